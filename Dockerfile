# syntax=docker/dockerfile:1
# Two images from one build: `--target silo` (the Orleans silo; `migrate` as its argument applies
# the schema and exits) and `--target webhost` (REST/SignalR, an Orleans client of the silos).
# docker-compose.yml builds both; by hand:
#   docker build --target silo    -t splynx-orleans-silo .
#   docker build --target webhost -t splynx-orleans-webhost .

# The browser app, built from its lockfile into the web host's wwwroot.
FROM node:20-bookworm-slim AS client
WORKDIR /source/src/WebHost/ClientApp
COPY src/WebHost/ClientApp/package.json src/WebHost/ClientApp/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/WebHost/ClientApp/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# The root props files carry the target framework, analyzers (warnings are errors, code style is
# enforced in the build) and the central package versions; .editorconfig holds the style rules.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
COPY --from=client /source/src/WebHost/wwwroot src/WebHost/wwwroot/
# The NuGet cache mount keeps downloaded packages between builds without a separate restore layer
# per project (BuildKit, which docker compose always uses). No apphost: the images run `dotnet x.dll`.
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/Silo/Splynx.Orleans.Silo.csproj -c Release -o /app/silo -p:UseAppHost=false \
 && dotnet publish src/WebHost/Splynx.Orleans.WebHost.csproj -c Release -o /app/webhost -p:UseAppHost=false

# The silo needs the ASP.NET Core runtime too: the grains reference Microsoft.AspNetCore.App.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# The non-root user the .NET images provide. The program files below stay owned by root (read-only
# for the app); nothing is written locally: state, reminders and the Data Protection key ring are
# in PostgreSQL.
USER $APP_UID

FROM runtime AS silo
COPY --from=build /app/silo .
# 11111: silo-to-silo; 30000: gateway for the web hosts (Orleans:SiloPort, Orleans:GatewayPort);
# 9090: /healthz and /metrics (ASPNETCORE_URLS in docker-compose.yml).
EXPOSE 11111 30000 9090
ENTRYPOINT ["dotnet", "Splynx.Orleans.Silo.dll"]

FROM runtime AS webhost
COPY --from=build /app/webhost .
# The aspnet image sets ASPNETCORE_HTTP_PORTS=8080; ASPNETCORE_URLS overrides it.
EXPOSE 8080
ENTRYPOINT ["dotnet", "Splynx.Orleans.WebHost.dll"]
