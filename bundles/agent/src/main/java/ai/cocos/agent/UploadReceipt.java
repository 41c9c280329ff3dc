package ai.cocos.agent;

import ai.cocos.api.computation.Sha3Hash;
import java.util.Objects;

/**
 * What an upload delivered.
 *
 * @param item what was accepted, e.g. {@code algorithm} or {@code dataset 'a.csv'}
 * @param bytes the size of the uploaded file
 * @param sha3 its SHA3-256, equal to the manifest's
 * @param state the computation's state afterwards ({@link State#Running} if this was the last item)
 */
public record UploadReceipt(String item, long bytes, Sha3Hash sha3, State state) {
  /** Checks that nothing is missing. */
  public UploadReceipt {
    Objects.requireNonNull(item, "item");
    Objects.requireNonNull(sha3, "sha3");
    Objects.requireNonNull(state, "state");
  }
}
