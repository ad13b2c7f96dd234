# The fake providers: provider traffic on 8080, admin API on 8081.
ARG BASE
FROM ${BASE}
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/bin/streamchaos.mjs", "fake", "--host", "0.0.0.0", "--port", "8080", "--admin-port", "8081"]
