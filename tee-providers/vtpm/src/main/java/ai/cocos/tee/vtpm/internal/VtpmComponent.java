package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.RuntimeMeasurement;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.vtpm.VtpmProvider;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Registers the {@code vtpm} provider as a {@link TeeProvider} service, and as the {@link
 * RuntimeMeasurements} service through which the agent measures each manifest into PCR16 (only this
 * component does: the Azure forms reach the same TPM, and one measurement is enough).
 */
@Component(
    service = {TeeProvider.class, RuntimeMeasurements.class},
    property = TeeProvider.PLATFORM_PROPERTY + "=" + TeeProvider.VTPM)
@Designate(ocd = VtpmConfig.class)
public final class VtpmComponent implements TeeProvider, RuntimeMeasurements {
  private final VtpmProvider provider;

  /**
   * Activates with the configuration.
   *
   * @param config the configuration
   * @throws IllegalArgumentException naming an invalid property
   */
  @Activate
  public VtpmComponent(VtpmConfig config) {
    this.provider = new VtpmProvider(Settings.vtpm(config));
  }

  @Override
  public String platform() {
    return provider.platform();
  }

  @Override
  public boolean canGather() {
    return provider.canGather();
  }

  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    return provider.gather(request);
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return provider.verify(request);
  }

  @Override
  public Optional<RuntimeMeasurement> extend(String domain, byte[] content)
      throws AttestationException {
    return provider.extend(domain, content);
  }
}
