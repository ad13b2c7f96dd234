# The reference Node backend. PORT/HOST/PROVIDER_BASE_URL come from the runtime's environment.
ARG BASE
FROM ${BASE}
COPY warm.sh /usr/local/bin/streamchaos-warm
ENV HOST=0.0.0.0 PORT=8000
RUN HOST=127.0.0.1 PROVIDER_BASE_URL=http://127.0.0.1:9/v1 streamchaos-warm "listening" 30 -- node --import tsx /app/examples/node-backend/server.ts
EXPOSE 8000
ENTRYPOINT ["node", "--import", "tsx", "/app/examples/node-backend/server.ts"]
