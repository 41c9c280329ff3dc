/**
 * Collateral for verification: a file-backed cache keyed by URL ({@link
 * ai.cocos.attestation.collateral.CollateralCache}), an HTTP fetcher used only on a miss and only
 * when verification is not offline ({@link ai.cocos.attestation.collateral.Collateral}), offline
 * bundles ({@link ai.cocos.attestation.collateral.CollateralBundle}), and Intel PCS URLs ({@link
 * ai.cocos.attestation.collateral.IntelPcs}; AMD KDS URLs are in {@code ai.cocos.attestation.snp}).
 * Collateral is never trusted for where it came from: providers verify it to pinned roots.
 */
@Version("1.0.0")
package ai.cocos.attestation.collateral;

import org.osgi.annotation.versioning.Version;
