package ai.cocos.agent.internal.grpc;

import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.proto.agent.AttestationRequest;
import ai.cocos.proto.agent.AttestationResponse;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The {@code Attestation} RPC: gathers evidence through the TEE provider the request's {@code type}
 * names, bound to its nonces, and streams it as an {@link EvidenceFile} ({@code cocos-evidence/1}
 * JSON) in 1 MiB {@code AttestationResponse.file} chunks after the {@code file-size} header, as
 * CocosAI streams its evidence. Unauthenticated, as in CocosAI: evidence is public, its freshness
 * comes from the caller's nonce.
 *
 * <p>{@code type} keeps CocosAI's numbers and adds one:
 *
 * <table>
 *   <caption>attestation types</caption>
 *   <tr><th>type</th><th>CocosAI</th><th>platform served</th></tr>
 *   <tr><td>0</td><td>SNP</td><td>{@code snp}</td></tr>
 *   <tr><td>1</td><td>VTPM</td><td>{@code vtpm}</td></tr>
 *   <tr><td>2</td><td>SNPvTPM</td><td>not offered: ask for 0 and 1 separately</td></tr>
 *   <tr><td>3</td><td>Azure</td><td>{@code azure-snp-vtpm} or {@code azure-tdx-vtpm}, whichever
 *       can gather here</td></tr>
 *   <tr><td>4</td><td>TDX</td><td>{@code tdx}</td></tr>
 *   <tr><td>5</td><td>NoCC</td><td>{@code emulated}: not a real TEE (CocosAI answers a sample
 *       report there)</td></tr>
 * </table>
 *
 * The emulated provider is used only when type 5 asks for it: a request for SNP on a machine that
 * has only the emulated provider fails naming the installed platforms, so emulated evidence is
 * never passed off as SNP. The evidence file names its platform, and a verifier marks emulated
 * evidence as such.
 *
 * <p>Errors: a nonce too long or an unknown type is {@code INVALID_ARGUMENT} (CocosAI's messages);
 * no provider for the platform is {@code FAILED_PRECONDITION} naming the installed ones; a provider
 * that cannot gather is {@code FAILED_PRECONDITION} with its message.
 */
final class AttestationCall {
  /** CocosAI's attestation types, plus {@link #EMULATED}. */
  static final int SNP = 0;

  static final int VTPM = 1;
  static final int SNP_VTPM = 2;
  static final int AZURE = 3;
  static final int TDX = 4;

  /** CocosAI's NoCC value: here the emulated provider. */
  static final int EMULATED = 5;

  /** Azure's platform ids (the vTPM provider's). */
  static final String AZURE_SNP_VTPM = "azure-snp-vtpm";

  static final String AZURE_TDX_VTPM = "azure-tdx-vtpm";

  private static final System.Logger LOG = System.getLogger(AttestationCall.class.getName());

  private final PluginRegistry plugins;

  AttestationCall(PluginRegistry plugins) {
    this.plugins = Objects.requireNonNull(plugins, "plugins");
  }

  /**
   * Serves one call.
   *
   * @param request the request
   * @param responses where the evidence goes
   */
  void serve(AttestationRequest request, StreamObserver<AttestationResponse> responses) {
    CallContext call = CallContext.current();
    byte[] file;
    String platform;
    try {
      EvidenceRequest er = request(request);
      TeeProvider provider = provider(request.getType());
      platform = provider.platform();
      Evidence evidence;
      try {
        evidence = provider.gather(er);
      } catch (AttestationException e) {
        throw Status.FAILED_PRECONDITION
            .withDescription(
                "failed to get " + platform + " evidence from the TEE: " + e.getMessage())
            .asException();
      }
      file = EvidenceFile.write(evidence);
    } catch (StatusException e) {
      responses.onError(e);
      return;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Attestation call failed", e);
      responses.onError(GrpcStatuses.internal(e).asException());
      return;
    }
    if (TeeProvider.EMULATED.equals(platform)) {
      LOG.log(Level.INFO, "served emulated evidence (emulated, not a real TEE)");
    }
    call.responseHeader(AgentGrpcService.FILE_SIZE, Integer.toString(file.length));
    for (int off = 0; off < file.length; off += AgentGrpcService.CHUNK_BYTES) {
      int n = Math.min(AgentGrpcService.CHUNK_BYTES, file.length - off);
      responses.onNext(
          AttestationResponse.newBuilder()
              .setFile(UnsafeByteOperations.unsafeWrap(file, off, n))
              .build());
    }
    responses.onCompleted();
  }

  /** The nonces, checked as CocosAI checks them. */
  static EvidenceRequest request(AttestationRequest r) throws StatusException {
    if (r.getTeeNonce().size() > EvidenceRequest.MAX_REPORT_DATA) {
      throw Status.INVALID_ARGUMENT
          .withDescription(
              "malformed report data, expect less or equal to 64 bytes (teeNonce is "
                  + r.getTeeNonce().size()
                  + " bytes)")
          .asException();
    }
    if (r.getVtpmNonce().size() > EvidenceRequest.MAX_NONCE) {
      throw Status.INVALID_ARGUMENT
          .withDescription(
              "malformed vTPM nonce, expect less or equal to 32 bytes (vtpmNonce is "
                  + r.getVtpmNonce().size()
                  + " bytes)")
          .asException();
    }
    return new EvidenceRequest(r.getTeeNonce().toByteArray(), r.getVtpmNonce().toByteArray());
  }

  /** The provider serving a type now (providers come and go: looked up per call). */
  TeeProvider provider(int type) throws StatusException {
    List<String> wanted =
        switch (type) {
          case SNP -> List.of(TeeProvider.SEV_SNP);
          case VTPM -> List.of(TeeProvider.VTPM);
          case AZURE -> List.of(AZURE_SNP_VTPM, AZURE_TDX_VTPM);
          case TDX -> List.of(TeeProvider.TDX);
          case EMULATED -> List.of(TeeProvider.EMULATED);
          case SNP_VTPM ->
              throw Status.INVALID_ARGUMENT
                  .withDescription(
                      "attestation type not supported: 2 (SNP+vTPM combined evidence) is not"
                          + " offered by this agent; ask for type 0 (snp) and type 1 (vtpm)"
                          + " separately, or 3 (azure) on Azure")
                  .asException();
          default ->
              throw Status.INVALID_ARGUMENT
                  .withDescription(
                      "invalid attestation type "
                          + type
                          + ": expected 0 (snp), 1 (vtpm), 3 (azure), 4 (tdx) or 5 (emulated,"
                          + " not a real TEE)")
                  .asException();
        };
    List<TeeProvider> found = new ArrayList<>();
    for (String p : wanted) {
      plugins.teeProvider(p).ifPresent(found::add);
    }
    // Of Azure's two forms, the one whose hardware is here.
    Optional<TeeProvider> ready = found.stream().filter(TeeProvider::canGather).findFirst();
    if (ready.isPresent()) {
      return ready.get();
    }
    if (!found.isEmpty()) {
      return found.get(0);
    }
    TreeSet<String> installed = new TreeSet<>();
    for (TeeProvider p : plugins.teeProviders()) {
      installed.add(
          TeeProvider.EMULATED.equals(p.platform())
              ? p.platform() + " (type 5; emulated, not a real TEE)"
              : p.platform());
    }
    throw Status.FAILED_PRECONDITION
        .withDescription(
            "no TEE provider for "
                + String.join(" or ", wanted)
                + " is installed in this agent (installed: "
                + (installed.isEmpty() ? "none" : String.join(", ", installed))
                + ")")
        .asException();
  }
}
