package ai.cocos.agent;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The algorithm's upload: the algorithm file ({@link #write}) and, interleaved in the same stream
 * as CocosAI's {@code AlgoRequest} carries them, an optional requirements file ({@link
 * #writeRequirements}). Only the algorithm is checked against the manifest's hash.
 */
@ProviderType
public interface AlgorithmUpload extends Upload {
  /**
   * Appends a chunk of the requirements file (for example a Python {@code requirements.txt}).
   *
   * @param chunk the bytes; consumed, not kept
   * @throws AgentException as {@link #write(ByteBuffer)}
   */
  void writeRequirements(ByteBuffer chunk) throws AgentException;
}
