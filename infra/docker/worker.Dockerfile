# A grading worker on the CPU: `grader worker` joins the clustered Quartz scheduler over the shared database and grades
# each run in a child `grader grade` process whose student code runs under bubblewrap.
# Build from the repository root:  docker build -f infra/docker/worker.Dockerfile -t grader-worker .
# Run it with the security options in infra/compose.yaml (bubblewrap needs user namespaces and mounts in the container).

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Grader.Runner -c Release -p:TorchBackend=cpu -o /out

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/ /app/
COPY assignments/ /course/assignments/
COPY rubrics/ /course/rubrics/
RUN install -d -o app -g app /data
ENV Course__Root=/course \
    Course__DataFolder=/data \
    Quartz__Clustered=true \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
VOLUME ["/data"]
USER app
ENTRYPOINT ["dotnet", "/app/grader.dll", "worker"]
CMD ["--slots", "1"]
