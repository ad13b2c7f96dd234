import type { EdgeProfile } from "../../edge.ts";

/**
 * The nginx.conf people actually deploy in front of an app (Debian's nginx.conf reduced to what
 * matters for proxying), with the proxy directives of one profile in `location /`. With `tls`, the
 * server also listens with TLS and HTTP/2 the way production edges do (`listen ... ssl http2` is the
 * nginx 1.22 spelling; the separate `http2 on;` directive only exists from 1.25.1).
 */
export function nginxConf(locationDirectives: string[], options: { tls?: boolean } = {}): string {
  const location = locationDirectives.map((d) => `            ${d}`).join("\n");
  const tls = options.tls
    ? `
        listen {{host}}:{{tls.port}} ssl http2;
        ssl_certificate {{tls.cert}};
        ssl_certificate_key {{tls.key}};
        ssl_protocols TLSv1.2 TLSv1.3;`
    : "";
  return `worker_processes 1;

events {
    worker_connections 1024;
}

http {
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    default_type application/octet-stream;

    server {
        listen {{host}}:{{port}};${tls}

        location / {
            proxy_pass http://{{upstream}};
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
${location}
        }
    }
}
`;
}

/** A profile from its `location /` directives, in cleartext and with a TLS + HTTP/2 listener. */
export function nginxProfile(name: string, description: string, locationDirectives: string[]): EdgeProfile {
  return {
    name,
    description,
    template: nginxConf(locationDirectives),
    tlsTemplate: nginxConf(locationDirectives, { tls: true }),
  };
}
