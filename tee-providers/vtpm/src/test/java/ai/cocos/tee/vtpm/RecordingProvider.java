package ai.cocos.tee.vtpm;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stands in for the SEV-SNP or TDX provider in tests of the delegation (it is not hardware): it
 * records every verification request and answers with a fixed finding, so tests can check exactly
 * which report bytes, attachments and policy the Azure verifier hands down, and that the answer's
 * findings and claims join the verdict.
 */
final class RecordingProvider implements TeeProvider {
  final String platform;
  final boolean pass;
  final List<VerificationRequest> requests = new ArrayList<>();

  RecordingProvider(String platform, boolean pass) {
    this.platform = platform;
    this.pass = pass;
  }

  @Override
  public String platform() {
    return platform;
  }

  @Override
  public boolean canGather() {
    return false;
  }

  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    throw new AttestationException("recording provider does not gather");
  }

  @Override
  public synchronized Verdict verify(VerificationRequest request) {
    requests.add(request);
    return new Verdict(
        platform,
        false,
        List.of(
            new Verdict.Finding(
                "report.signature",
                pass,
                "a valid signature",
                pass ? "valid" : "invalid",
                "recorded by the test provider")),
        Map.of("measurement", "recorded"));
  }
}
