# Sluice's image: one image, every role (`docker run sluice <role>`), run as the non-root `deno`
# user. Stage `deps` caches the npm packages of deno.json/deno.lock, so a source change does not
# download them again; stage `build` caches the module graph of main.ts; the last stage copies
# both onto a clean base.
ARG DENO_IMAGE=denoland/deno:2.9.6

FROM ${DENO_IMAGE} AS deps
WORKDIR /app
ENV DENO_DIR=/deno-dir
COPY deno.json deno.lock ./
RUN deno install --frozen

FROM deps AS build
COPY . .
RUN deno cache --frozen main.ts

FROM ${DENO_IMAGE}
WORKDIR /app
ENV DENO_DIR=/deno-dir HOST=0.0.0.0 PORT=8080
COPY --from=build --chown=deno:deno /deno-dir /deno-dir
COPY --from=build --chown=deno:deno /app /app
# The aggregator's data lake volume: a named volume takes the ownership of the image's folder.
RUN mkdir -p /lake && chown deno:deno /lake
USER deno
EXPOSE 8080
# The cheap health check of compose: one HTTP request from bash, no Deno process.
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD ["bash", "/app/scripts/healthcheck.sh", "/health"]
# The roles' V8 flags (ROLE_V8_FLAGS of scripts/compile.ts) come from the environment, not the
# entrypoint, so a container can replace them whole: docker-compose gives the order roles, in
# 128 MB, a smaller young generation and a capped old one.
ENV DENO_V8_FLAGS=--max-semi-space-size=8,--heap-growing-percent=200,--no-allocation-site-pretenuring
ENTRYPOINT ["deno", "run", "--cached-only", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-sys", "--allow-run", "main.ts"]
CMD ["all"]
