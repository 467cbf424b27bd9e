# A grading worker with CUDA: the same worker built with -p:TorchBackend=cuda (TorchSharp-cuda-linux).
# Build from the repository root:  docker build -f infra/docker/worker-gpu.Dockerfile -t grader-worker-gpu .
# Run with the NVIDIA container toolkit (`docker run --gpus ...`, compose `deploy.resources.reservations.devices`,
# Kubernetes `nvidia.com/gpu`) and the security options in infra/compose.yaml.
#
# Base: the plain .NET runtime image, not nvidia/cuda. TorchSharp-cuda-linux brings LibTorch's CUDA runtime, cuBLAS and
# cuDNN in its own packages (the "shared with deps" LibTorch build), so the image needs only the driver's user-space
# libraries (libcuda, libnvidia-ml), and those must match the host's kernel driver anyway: the NVIDIA container toolkit
# mounts them from the host when the container starts (NVIDIA_DRIVER_CAPABILITIES below). An nvidia/cuda base would add
# a second copy of the CUDA libraries and a .NET runtime installed by hand. The toolkit puts the driver libraries under
# /usr/lib/x86_64-linux-gnu, inside the read-only /usr that the sandbox binds, so student code sees them too.

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Grader.Runner -c Release -p:TorchBackend=cuda -o /out

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
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
VOLUME ["/data"]
USER app
ENTRYPOINT ["dotnet", "/app/grader.dll", "worker"]
# One grading at a time, on the first (CUDA index 0) of the GPUs the container was given.
CMD ["--slots", "1", "--gpus", "0"]
