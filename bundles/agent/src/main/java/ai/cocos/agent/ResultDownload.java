package ai.cocos.agent;

import java.io.InputStream;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One consumer's download of the results zip. A transport sends {@link #size()} ahead (CocosAI's
 * {@code file-size} header), then streams {@link #stream()} out in chunks, and closes the download
 * however the call ends.
 *
 * <p>Reading the stream to its end marks this consumer as served; when every consumer has been
 * served, the results are wiped once no download is open any more. A download is revoked (its
 * stream fails) if the computation is stopped or its results expire meanwhile.
 */
@ProviderType
public interface ResultDownload extends AutoCloseable {
  /**
   * The zip's size.
   *
   * @return the number of bytes {@link #stream()} delivers
   */
  long size();

  /**
   * The consumer downloading.
   *
   * @return the consumer's index in the manifest
   */
  int consumerIndex();

  /**
   * The zip's bytes. The same stream on every call; closing it closes the download.
   *
   * @return the stream
   */
  InputStream stream();

  /** Ends the download. Idempotent. */
  @Override
  void close();
}
