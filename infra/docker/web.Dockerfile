# The web app: pages, HTTP API, sign-in, the grading queue. It can also grade (Grading__RunInWeb=true, the default:
# it carries the runner in runner/ and bubblewrap); with workers, set Grading__RunInWeb=false.
# Build from the repository root:  docker build -f infra/docker/web.Dockerfile -t grader-web .

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
# Ubuntu 24.04's libstdc++ has GLIBCXX_3.4.32, so build/TorchSharpNatives.targets leaves libtorch alone here.
RUN dotnet publish src/Grader.Web -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble
# bubblewrap: the sandbox of student code (grading in the web process); curl: the healthcheck.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/ /app/
# A default course (the repository's demo course); mount the real course repository over /course.
COPY assignments/ /course/assignments/
COPY rubrics/ /course/rubrics/
# /data is created owned by the image's non-root user, so a fresh named volume gets that owner too.
RUN install -d -o app -g app /data
ENV Course__Root=/course \
    Course__DataFolder=/data \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
VOLUME ["/data"]
# "app" (uid 1654) comes with the .NET images. Never root: the sandbox's process limit does not hold for root.
USER app
EXPOSE 8080
# /healthz: the process answers (liveness); /readyz (database, schedulers, workers) is for the orchestrator's readiness.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1
# --urls on the command line: appsettings.json's "Urls" (localhost:5000) would win over ASPNETCORE_HTTP_PORTS.
ENTRYPOINT ["dotnet", "/app/Grader.Web.dll", "--urls", "http://0.0.0.0:8080"]
