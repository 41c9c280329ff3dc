package ai.cocos.manager.internal;

import java.time.Instant;
import java.util.List;

/**
 * A computation as the registry knows it at one moment (immutable).
 *
 * @param id the computation id
 * @param name its name
 * @param description its description
 * @param state {@code Registered}, an agent state name, {@code Stopped} or {@code Removed}
 * @param parties algorithm provider, data providers, result consumers
 * @param manifestDigest SHA3-256 of the canonical manifest, hex
 * @param created when it was registered
 * @param updated when it last changed
 * @param cvmId the CVM it is bound to, empty if none
 * @param ownerSigned whether it came with an owner signature
 * @param runRequestAnswered whether an agent answered its run request
 * @param error why it failed, empty if it did not
 * @param terminal whether the state is final
 * @param lastSeq the newest event's sequence number, 0 if none
 * @param droppedEvents how many of the oldest events were dropped
 */
record ComputationView(
    String id,
    String name,
    String description,
    String state,
    List<Party> parties,
    String manifestDigest,
    Instant created,
    Instant updated,
    String cvmId,
    boolean ownerSigned,
    boolean runRequestAnswered,
    String error,
    boolean terminal,
    long lastSeq,
    long droppedEvents) {

  /**
   * One party of a computation.
   *
   * @param role {@code algorithm-provider}, {@code data-provider} or {@code consumer}
   * @param keyFingerprint the key's fingerprint
   * @param dataset a data provider's dataset file name, else empty
   */
  record Party(String role, String keyFingerprint, String dataset) {}
}
