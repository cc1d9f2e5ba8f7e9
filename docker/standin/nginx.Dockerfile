# Stand-in for nginx:1.27-bookworm where the public image cannot be pulled: Debian's nginx, with the
# official image's layout (conf.d/*.conf, logs to the container's output, nginx in the foreground).
FROM passway-standin/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
