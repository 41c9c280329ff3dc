package ai.cocos.tee.snp.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.snp.SnpSettings;
import java.net.URI;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The SEV-SNP provider as a DS component: {@code TeeProvider} with {@code cocos.tee.platform=snp}.
 */
@Component(
    service = TeeProvider.class,
    property = TeeProvider.PLATFORM_PROPERTY + "=" + TeeProvider.SEV_SNP)
@Designate(ocd = SnpProviderConfig.class)
public final class SnpProviderComponent implements TeeProvider {
  private final SnpProvider provider;

  /**
   * Activates the provider.
   *
   * @param config the configuration
   * @throws IllegalArgumentException naming an invalid value
   */
  @Activate
  public SnpProviderComponent(SnpProviderConfig config) {
    this.provider = new SnpProvider(settings(config));
  }

  static SnpSettings settings(SnpProviderConfig c) {
    return new SnpSettings(
        c.collateralCache().isBlank()
            ? CollateralCache.defaultLocation()
            : Path.of(c.collateralCache()),
        URI.create(c.kdsUrl()),
        c.fetchCollateral(),
        Path.of(c.tsmReportDir()),
        Path.of(c.sevGuestDevice()),
        c.vmpl());
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
}
