package ai.cocos.api.tee;

import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Extends a measurement of something the guest accepted at run time into the platform's measurement
 * registers, so that evidence gathered afterwards shows what the guest holds: the agent measures
 * each computation manifest it accepts (CocosAI extends it into vTPM PCR16), and a relying party
 * checks the register against the manifest it expects. Implemented by TEE-provider plugins whose
 * platform has such registers.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #extend} returns empty when this machine has no register for the domain (no TPM, a
 *       domain the implementation does not measure): the caller proceeds, and its evidence simply
 *       carries no such measurement.
 *   <li>When the machine has registers for the domain, {@link #extend} either measures the content
 *       into every register bank it uses and returns what it did, or throws: a caller must then
 *       refuse what it was about to accept (fail closed), because evidence would otherwise vouch
 *       for content the guest does not hold.
 *   <li>The implementation defines how the content is digested and where it goes, and documents it,
 *       so that verifiers can compute the expected register values.
 *   <li>Thread-safe; concurrent calls are serialised (register extensions do not commute).
 * </ul>
 */
@ConsumerType
public interface RuntimeMeasurements {
  /**
   * The domain of a computation manifest; the content is its canonical bytes ({@code
   * ai.cocos.manifest.ManifestCanonical.bytes}), what owners sign and the agent accepts.
   */
  String MANIFEST = "cocos.manifest";

  /**
   * Measures content into the registers this implementation uses for its domain.
   *
   * @param domain what the content is, e.g. {@link #MANIFEST}
   * @param content the bytes to measure
   * @return what was extended, or empty if this machine has no register for the domain
   * @throws AttestationException if registers exist but the measurement could not be made
   *     completely (the message names the register and why)
   */
  Optional<RuntimeMeasurement> extend(String domain, byte[] content) throws AttestationException;
}
