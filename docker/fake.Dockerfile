# The fake providers: provider traffic on 8080, admin API on 8081. Both listen on all interfaces of the
# container (the lane's own bridge network; the runtime reaches the admin API through its mapped port),
# so the admin API is exposed on purpose with --admin-host.
ARG BASE
FROM ${BASE}
COPY warm.sh /usr/local/bin/streamchaos-warm
RUN streamchaos-warm "listening" 30 -- node /app/bin/streamchaos.mjs fake --host 127.0.0.1 --port 8080 --admin-port 8081
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/bin/streamchaos.mjs", "fake", "--host", "0.0.0.0", "--port", "8080", "--admin-host", "0.0.0.0", "--admin-port", "8081"]
