package ai.cocos.agent;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Proof that one request was signed by a key the manifest names for its operation. Issued by {@link
 * ComputationService#authorize} and accepted only by the computation that issued it, once: one
 * authorisation starts one upload or one download. Implementations elsewhere are refused.
 */
@ProviderType
public interface Authorization {
  /**
   * The computation that issued it.
   *
   * @return the computation id
   */
  String computationId();

  /**
   * What the request may do.
   *
   * @return the signed operation
   */
  Operation operation();

  /**
   * The role the signer acts in.
   *
   * @return {@code operation().role()}
   */
  default Role role() {
    return operation().role();
  }

  /**
   * Which manifest entry's key signed: the dataset's index for a data upload, the consumer's index
   * for a result download (the first consumer with that key), 0 for the algorithm.
   *
   * @return the index in the manifest's list for the role
   */
  int index();

  /**
   * The signer's key, for logs.
   *
   * @return the key's fingerprint (SHA-256 of its DER, first 16 hex digits)
   */
  String keyFingerprint();

  /**
   * Whether a CocosAI static role signature was accepted (legacy mode) instead of a v1 signature.
   *
   * @return {@code true} for a legacy signature
   */
  boolean legacy();
}
