package ai.cocos.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Streams files to a client-streaming call in {@link #CHUNK_BYTES} messages, sending the next one
 * only while the call is ready (gRPC flow control): memory stays bounded whatever the file sizes.
 */
final class Upload {
  /** The size of one message's payload. */
  static final int CHUNK_BYTES = 1024 * 1024;

  private Upload() {}

  /**
   * Sends the parts in order and waits for the answer.
   *
   * @param parts the files, each sent whole before the next
   * @param start starts the call with the response observer, returning the request observer
   * @param message makes the request carrying a chunk of the part with this index
   * @param progress counts the bytes sent
   * @param <Q> the request type
   * @param <R> the response type
   * @return the answer
   * @throws Failure if a file cannot be read
   * @throws StatusRuntimeException if the call failed
   */
  static <Q, R> R send(
      List<Path> parts,
      Function<StreamObserver<R>, StreamObserver<Q>> start,
      BiFunction<Integer, ByteString, Q> message,
      Progress progress)
      throws Failure {
    CompletableFuture<R> answer = new CompletableFuture<>();
    Failure[] localProblem = new Failure[1];
    ClientResponseObserver<Q, R> observer =
        new ClientResponseObserver<>() {
          private R response;
          private int part;
          private InputStream in;
          private boolean finished;

          @Override
          public void beforeStart(ClientCallStreamObserver<Q> requests) {
            requests.setOnReadyHandler(() -> pump(requests));
          }

          private void pump(ClientCallStreamObserver<Q> requests) {
            if (finished) {
              return;
            }
            try {
              while (requests.isReady()) {
                if (in == null) {
                  if (part >= parts.size()) {
                    finished = true;
                    requests.onCompleted();
                    return;
                  }
                  in = Files.newInputStream(parts.get(part));
                }
                // A new array per message, wrapped without a copy: nothing writes to it after
                // this, so the message gRPC may keep (to retry it) stays what was read.
                byte[] chunk = new byte[CHUNK_BYTES];
                int n = in.readNBytes(chunk, 0, CHUNK_BYTES);
                if (n > 0) {
                  requests.onNext(
                      message.apply(part, UnsafeByteOperations.unsafeWrap(chunk, 0, n)));
                  progress.add(n);
                }
                if (n < CHUNK_BYTES) {
                  in.close();
                  in = null;
                  part++;
                }
              }
            } catch (IOException e) {
              finished = true;
              closeQuietly();
              Path file = parts.get(Math.min(part, parts.size() - 1));
              localProblem[0] =
                  new Failure(file + ": cannot read it: " + LocalFiles.problem(e, file));
              requests.cancel("the client cannot read its file", e);
            }
          }

          private void closeQuietly() {
            if (in != null) {
              try {
                in.close();
              } catch (IOException ignored) {
                // reading failed already
              }
              in = null;
            }
          }

          @Override
          public void onNext(R value) {
            response = value;
          }

          @Override
          public void onError(Throwable t) {
            finished = true;
            closeQuietly();
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            answer.complete(response);
          }
        };
    start.apply(observer);
    try {
      return answer.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    } catch (ExecutionException e) {
      if (localProblem[0] != null) {
        throw localProblem[0];
      }
      Throwable cause = e.getCause();
      if (cause instanceof StatusRuntimeException s) {
        throw s;
      }
      throw Status.fromThrowable(cause).asRuntimeException();
    }
  }
}
