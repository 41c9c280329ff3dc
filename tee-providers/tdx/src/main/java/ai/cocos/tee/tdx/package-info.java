/**
 * The Intel TDX provider as a plain library: {@link ai.cocos.tee.tdx.TdxProvider} verifies TDX DCAP
 * quotes (v4, v5) against a policy and gathers quotes inside a TD through configfs-tsm; {@link
 * ai.cocos.tee.tdx.TdxPolicyTemplate} writes a policy pinning what a quote measured. Inside an OSGi
 * framework the same provider is registered as an {@link ai.cocos.api.tee.TeeProvider} service with
 * {@code cocos.tee.platform=tdx}.
 */
@Version("1.0.0")
package ai.cocos.tee.tdx;

import org.osgi.annotation.versioning.Version;
