package ai.cocos.manager.internal;

import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.RunReqChunks;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.ServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test client playing the agent on a real {@code cvms.Service/Process} stream. */
final class AgentClient implements AutoCloseable {
  final BlockingQueue<ServerStreamMessage> received = new LinkedBlockingQueue<>();
  final CompletableFuture<Status> ended = new CompletableFuture<>();
  final List<RunReqChunks> chunks = new ArrayList<>();
  private final StreamObserver<ClientStreamMessage> out;

  AgentClient(ManagedChannel channel, String jobId, String connectionType) {
    Metadata headers = new Metadata();
    if (jobId != null) {
      headers.put(CvmsGrpcService.JOB_ID, jobId);
    }
    if (connectionType != null) {
      headers.put(CvmsGrpcService.CONNECTION_TYPE, connectionType);
    }
    out =
        ServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .process(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerStreamMessage m) {
                    received.add(m);
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(Status.OK);
                  }
                });
  }

  /** The next message from the manager, failing after the timeout. */
  ServerStreamMessage next(Duration timeout) throws InterruptedException {
    ServerStreamMessage m = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (m == null) {
      throw new AssertionError("no message from the manager within " + timeout);
    }
    return m;
  }

  /** Reassembles the chunked run request as CocosAI's agent does, keeping the chunks. */
  ComputationRunReq runRequest() throws Exception {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    while (true) {
      ServerStreamMessage m = next(Duration.ofSeconds(5));
      if (!m.hasRunReqChunks()) {
        throw new AssertionError("expected runReqChunks, got " + m);
      }
      RunReqChunks c = m.getRunReqChunks();
      chunks.add(c);
      c.getData().writeTo(data);
      if (c.getIsLast()) {
        return ComputationRunReq.parseFrom(data.toByteArray());
      }
    }
  }

  void send(ClientStreamMessage m) {
    out.onNext(m);
  }

  /** Breaks the stream as a crashing agent would. */
  void cancel() {
    out.onError(Status.CANCELLED.withDescription("agent crashed").asRuntimeException());
  }

  @Override
  public void close() {
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      // already ended
    }
  }
}
