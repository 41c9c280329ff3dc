package ai.cocos.tee.tdx.internal;

import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.Json;
import ai.cocos.attestation.collateral.Collateral;
import ai.cocos.attestation.collateral.CollateralException;
import ai.cocos.attestation.collateral.CollateralItem;
import ai.cocos.attestation.collateral.IntelPcs;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Collateral from the shared collateral cache, fetched from Intel's PCS (or a PCCS) only when the
 * cache misses and the verification is not offline. A cached item already past its next update at
 * the verification time is fetched again when online; offline it is used as it is and the
 * verification says it is stale.
 */
final class PcsCollateralSource implements CollateralSource {
  private final Collateral collateral;
  private final IntelPcs pcs;
  private final boolean fetch;
  private final Memo<Instant> nextUpdates = new Memo<>(64);

  PcsCollateralSource(Collateral collateral, IntelPcs pcs, boolean fetch) {
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.pcs = Objects.requireNonNull(pcs, "pcs");
    this.fetch = fetch;
  }

  @Override
  public void complete(TdxCollateral c, byte[] fmspc, String ca, Instant at, boolean offline) {
    boolean noNetwork = offline || !fetch;
    if (c.tcbInfo == null) {
      URI url = pcs.tdxTcbInfo(fmspc);
      try {
        CollateralItem item = collateral.get(url, noNetwork, fresh(at, "tcbInfo"));
        c.tcbInfo =
            TdxCollateral.fromPcs(
                item, "tcbInfo", IntelPcs.TCB_INFO_ISSUER_CHAIN, "sgx-tcb-info-issuer-chain");
        c.problems.remove(TdxCollateral.TCB_INFO);
      } catch (CollateralException | CollateralFormatException e) {
        c.problems.putIfAbsent(TdxCollateral.TCB_INFO, "TCB info: " + e.getMessage());
      }
    }
    if (c.qeIdentity == null) {
      URI url = pcs.tdxQeIdentity();
      try {
        CollateralItem item = collateral.get(url, noNetwork, fresh(at, "enclaveIdentity"));
        c.qeIdentity =
            TdxCollateral.fromPcs(item, "enclaveIdentity", IntelPcs.ENCLAVE_IDENTITY_ISSUER_CHAIN);
        c.problems.remove(TdxCollateral.QE_IDENTITY);
      } catch (CollateralException | CollateralFormatException e) {
        c.problems.putIfAbsent(TdxCollateral.QE_IDENTITY, "QE identity: " + e.getMessage());
      }
    }
    if (c.pckCrl == null) {
      crl(c, pcs.pckCrl(ca), TdxCollateral.PCK_CRL, at, noNetwork);
    }
    if (c.rootCrl == null) {
      crl(c, pcs.rootCaCrl(), TdxCollateral.ROOT_CA_CRL, at, noNetwork);
    }
  }

  private void crl(TdxCollateral c, URI url, String name, Instant at, boolean noNetwork) {
    try {
      CollateralItem item = collateral.get(url, noNetwork, freshCrl(at));
      TdxCollateral.Crl crl = new TdxCollateral.Crl(item.body(), url.toString());
      if (name.equals(TdxCollateral.PCK_CRL)) {
        c.pckCrl = crl;
      } else {
        c.rootCrl = crl;
      }
      c.problems.remove(name);
    } catch (CollateralException e) {
      c.problems.putIfAbsent(name, e.getMessage());
    }
  }

  /** Whether a cached PCS JSON response is still current at the verification time. */
  private Predicate<CollateralItem> fresh(Instant at, String member) {
    return item -> {
      byte[] body = item.body();
      Instant next = nextUpdates.get(body);
      if (next == null) {
        try {
          Map<?, ?> doc = (Map<?, ?>) Json.parse(new String(body, StandardCharsets.UTF_8));
          next = Instant.parse((String) ((Map<?, ?>) doc.get(member)).get("nextUpdate"));
          nextUpdates.put(body, next);
        } catch (Json.JsonException | RuntimeException e) {
          return false; // unreadable: fetch it again
        }
      }
      return !at.isAfter(next);
    };
  }

  private Predicate<CollateralItem> freshCrl(Instant at) {
    return item -> {
      byte[] body = item.body();
      Instant next = nextUpdates.get(body);
      if (next == null) {
        try {
          java.util.Date n = Certs.readCrl(body).getNextUpdate();
          if (n == null) {
            return false;
          }
          next = n.toInstant();
          nextUpdates.put(body, next);
        } catch (ChainException e) {
          return false;
        }
      }
      return !at.isAfter(next);
    };
  }
}
