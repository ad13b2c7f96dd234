# nginx-light from the base. The runtime copies the rendered config to /etc/streamchaos/nginx/nginx.conf;
# logs go to stderr so the runtime can capture the error log from the container's output.
ARG BASE
FROM ${BASE}
RUN mkdir -p /etc/streamchaos/nginx /var/lib/streamchaos/nginx
STOPSIGNAL SIGQUIT
ENTRYPOINT ["nginx", "-p", "/var/lib/streamchaos/nginx", "-c", "/etc/streamchaos/nginx/nginx.conf", "-e", "stderr"]
