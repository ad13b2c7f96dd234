# The project's sources on top of node + node_modules: the only layer a source edit rebuilds.
ARG BASE
FROM ${BASE}
COPY project /app
WORKDIR /app
