/**
 * Implementation of the TDX provider: the quote parser ({@code QuoteFormat}, {@code QuoteParser}),
 * collateral ({@code TdxCollateral}, {@code TcbInfo}, {@code QeIdentity}), Intel's TCB evaluation
 * ({@code TcbEvaluator}), CCEL replay ({@code CcelLog}) and the verifier. Not exported.
 */
package ai.cocos.tee.tdx.internal;
