# Stand-in for redis:7-bookworm where the public image cannot be pulled: Debian's redis-server.
FROM passway-standin/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
