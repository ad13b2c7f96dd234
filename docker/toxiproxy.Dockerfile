# The embedded Toxiproxy-compatible server, listening on all interfaces of its container (its network is
# the lane's own bridge). Proxies created through the API listen on the ports the runtime exposes.
ARG BASE
FROM ${BASE}
COPY warm.sh /usr/local/bin/streamchaos-warm
RUN streamchaos-warm "listening" 30 -- node /app/bin/streamchaos.mjs toxiproxy --host 127.0.0.1 --port 8474
EXPOSE 8474
ENTRYPOINT ["node", "/app/bin/streamchaos.mjs", "toxiproxy", "--host", "0.0.0.0", "--port", "8474"]
