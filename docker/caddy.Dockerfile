# Caddy from the base. The runtime adapts the Caddyfile in a one-shot container of this image, patches
# the JSON (admin off, auto-HTTPS off, logs on stderr) and copies it to /etc/streamchaos/caddy/caddy.json.
# HOME and XDG dirs point somewhere writable: Caddy keeps state there even with admin and TLS off.
ARG BASE
FROM ${BASE}
RUN mkdir -p /etc/streamchaos/caddy /var/lib/streamchaos/caddy
ENV HOME=/var/lib/streamchaos/caddy XDG_DATA_HOME=/var/lib/streamchaos/caddy XDG_CONFIG_HOME=/var/lib/streamchaos/caddy
ENTRYPOINT ["caddy"]
CMD ["run", "--config", "/etc/streamchaos/caddy/caddy.json"]
