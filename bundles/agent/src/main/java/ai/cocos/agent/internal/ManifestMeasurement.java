package ai.cocos.agent.internal;

import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.RuntimeMeasurement;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.manifest.ManifestCanonical;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Measures each manifest the agent accepts into the platform's measurement registers, through every
 * {@link RuntimeMeasurements} service registered (the vTPM provider extends PCR16, as CocosAI
 * does), so that evidence gathered afterwards shows which manifest this VM holds. It runs before
 * the computation exists, so before any party can upload for it.
 *
 * <p>Fails closed: where a register exists and the measurement fails, the manifest is refused with
 * an event saying why. Where none exists (no TPM), the computation proceeds and its evidence simply
 * carries no manifest measurement; that is logged once per computation.
 */
final class ManifestMeasurement {
  /** Event type of a measurement (status {@code Completed}) or of its failure ({@code Failed}). */
  static final String EVENT = "ManifestMeasurement";

  private static final System.Logger LOG = System.getLogger(ManifestMeasurement.class.getName());

  private final List<RuntimeMeasurements> services = new CopyOnWriteArrayList<>();

  /** A measurement service arrived. */
  void add(RuntimeMeasurements service) {
    services.add(Objects.requireNonNull(service, "service"));
  }

  /** A measurement service left. */
  void remove(RuntimeMeasurements service) {
    services.remove(service);
  }

  /**
   * Measures a manifest through every service.
   *
   * @param manifest the manifest being accepted
   * @param bus where the computation's events go (delivered once the caller releases its hold)
   * @throws AgentException if a register exists and could not be extended: refuse the manifest
   */
  void measure(Manifest manifest, EventBus bus) throws AgentException {
    byte[] canonical = ManifestCanonical.bytes(manifest);
    List<RuntimeMeasurement> done = new ArrayList<>();
    for (RuntimeMeasurements s : services) {
      try {
        s.extend(RuntimeMeasurements.MANIFEST, canonical).ifPresent(done::add);
      } catch (AttestationException | RuntimeException e) {
        String reason =
            "manifest refused: it could not be measured, so this VM's attestation could not show"
                + " which manifest it holds: "
                + e.getMessage();
        LOG.log(Level.WARNING, "computation " + manifest.id() + ": " + reason);
        bus.event(EVENT, "Failed", Map.of("reason", reason));
        throw new AgentException(Kind.INTERNAL, reason, e);
      }
    }
    if (done.isEmpty()) {
      LOG.log(
          Level.INFO,
          "computation {0}: no measurement register here (no TPM), so its attestation carries no"
              + " manifest measurement",
          manifest.id());
      return;
    }
    for (RuntimeMeasurement m : done) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("platform", m.platform());
      details.put("register", m.register());
      m.digests().forEach((bank, d) -> details.put("digest." + bank, d));
      m.values().forEach((bank, v) -> details.put("value." + bank, v));
      LOG.log(
          Level.INFO,
          "computation {0}: manifest measured into {1} {2}",
          manifest.id(),
          m.platform(),
          m.register());
      bus.event(EVENT, "Completed", details);
    }
  }
}
