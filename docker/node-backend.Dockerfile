# The reference Node backend. PORT/HOST/PROVIDER_BASE_URL come from the runtime's environment.
ARG BASE
FROM ${BASE}
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
ENTRYPOINT ["node", "--import", "tsx", "/app/examples/node-backend/server.ts"]
