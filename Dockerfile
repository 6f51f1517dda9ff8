# syntax=docker/dockerfile:1

# Build: compiles TypeScript and the native better-sqlite3 add-on, then drops dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to a node-gyp build when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# package.json lists allowed install scripts (better-sqlite3, protobufjs) in npm 11's `allowScripts`.
RUN npm install -g npm@11
COPY package.json package-lock.json ./
# `prepare` builds from the sources, which are not copied yet: skip scripts, then run the two
# install scripts the dependencies need.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 protobufjs
COPY . .
RUN npm run build && npm prune --omit=dev

# Run: same base image, so the compiled add-on matches its glibc and Node ABI.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
# package.json is needed at run time: its "type": "module" makes dist/*.js ES modules.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# A named volume mounted here starts with this ownership, so the node user can write to it.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
