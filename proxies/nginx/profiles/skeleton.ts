/**
 * The nginx.conf people actually deploy in front of an app (Debian's nginx.conf reduced to what
 * matters for proxying), with the proxy directives of one profile in `location /`.
 */
export function nginxConf(locationDirectives: string[]): string {
  const location = locationDirectives.map((d) => `            ${d}`).join("\n");
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
        listen {{host}}:{{port}};

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
