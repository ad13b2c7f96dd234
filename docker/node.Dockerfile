# Node on top of the Debian base. Debian's nodejs (18) is too old for the project (>= 20.19), so the
# build copies the host's node binary in: the host is bookworm too, so its glibc and libstdc++ match.
ARG BASE
FROM ${BASE}
COPY node /usr/local/bin/node
COPY node_modules /app/node_modules
ENV NODE_ENV=production
