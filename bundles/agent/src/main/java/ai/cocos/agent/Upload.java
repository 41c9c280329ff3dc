package ai.cocos.agent;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One upload in progress: chunks go straight to a private temporary file while being hashed, so
 * memory use does not depend on the upload's size. Nothing is accepted until {@link #commit()}
 * succeeds; every failure, and {@link #abort()}, deletes the temporary file.
 *
 * <p>A transport calls {@link #write} for each chunk of the client's stream, {@link #commit()} when
 * the stream ends, and {@link #abort()} when it breaks off (client cancelled, connection lost). An
 * upload is used by one thread at a time; {@link #abort()} may come from any thread.
 */
@ProviderType
public interface Upload extends AutoCloseable {
  /**
   * Appends a chunk. The buffer's remaining bytes are consumed; it is not kept.
   *
   * @param chunk the bytes
   * @throws AgentException {@link AgentException.Kind#TOO_LARGE} over the upload limit, {@link
   *     AgentException.Kind#DISK_FULL} when the disk would drop below its reserve, {@link
   *     AgentException.Kind#ABORTED} after an abort or an earlier failure, {@link
   *     AgentException.Kind#INTERNAL} if writing fails; the upload is then over and its temporary
   *     file deleted
   */
  void write(ByteBuffer chunk) throws AgentException;

  /**
   * Appends a chunk.
   *
   * @param chunk the bytes; not kept
   * @throws AgentException as {@link #write(ByteBuffer)}
   */
  default void write(byte[] chunk) throws AgentException {
    write(ByteBuffer.wrap(chunk));
  }

  /**
   * Ends the upload: checks it is not empty, checks its SHA3-256 against the manifest, checks the
   * computation still expects it, and only then moves it into place (extracting a {@code
   * decompress} dataset). May start the run, if this was the last item.
   *
   * @return what was accepted
   * @throws AgentException naming why it was refused; nothing of it is kept, and nothing accepted
   *     earlier is touched
   */
  UploadReceipt commit() throws AgentException;

  /** Abandons the upload and deletes what was received. Idempotent; a no-op after a commit. */
  void abort();

  /**
   * How many bytes of the main payload were received so far.
   *
   * @return the count
   */
  long bytesReceived();

  /** {@link #abort()} unless committed. */
  @Override
  default void close() {
    abort();
  }
}
