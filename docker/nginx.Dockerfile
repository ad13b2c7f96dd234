# nginx-light from the base. The runtime copies the rendered config to /etc/streamchaos/nginx/nginx.conf.
# The error log goes to stderr (-e stderr, then `error_log stderr info` from the config rewrite); the
# access log file the rewrite points at is stdout, so the runtime reads both from the container's output.
ARG BASE
FROM ${BASE}
RUN mkdir -p /etc/streamchaos/nginx /var/lib/streamchaos/nginx \
 && ln -sf /dev/stdout /var/lib/streamchaos/nginx/access.log
STOPSIGNAL SIGQUIT
ENTRYPOINT ["nginx", "-p", "/var/lib/streamchaos/nginx/", "-c", "/etc/streamchaos/nginx/nginx.conf", "-e", "stderr"]
