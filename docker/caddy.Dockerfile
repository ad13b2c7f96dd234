# Caddy from the base. The runtime copies the rendered Caddyfile to /etc/streamchaos/caddy/Caddyfile.
# HOME and XDG dirs point somewhere writable: Caddy stores state there even with admin and TLS off.
ARG BASE
FROM ${BASE}
RUN mkdir -p /etc/streamchaos/caddy /var/lib/streamchaos/caddy
ENV HOME=/var/lib/streamchaos/caddy XDG_DATA_HOME=/var/lib/streamchaos/caddy XDG_CONFIG_HOME=/var/lib/streamchaos/caddy
ENTRYPOINT ["caddy", "run", "--config", "/etc/streamchaos/caddy/Caddyfile", "--adapter", "caddyfile"]
