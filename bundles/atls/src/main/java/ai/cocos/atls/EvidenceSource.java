package ai.cocos.atls;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where the agent's attested-TLS key manager gets evidence: the TEE provider the agent uses (looked
 * up per handshake, since providers come and go).
 *
 * <p>Called during TLS handshakes, on the endpoint's handshake threads (Netty's delegated tasks),
 * possibly concurrently. Must not block for long: the client waits.
 */
@ConsumerType
@FunctionalInterface
public interface EvidenceSource {
  /**
   * Gathers evidence bound to the request's report data and nonce.
   *
   * @param request the report data (64 bytes) and vTPM nonce (32 bytes)
   * @return the evidence
   * @throws AttestationException if no provider can gather now, naming why
   */
  Evidence gather(EvidenceRequest request) throws AttestationException;
}
