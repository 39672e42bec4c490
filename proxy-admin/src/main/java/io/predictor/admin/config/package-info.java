/**
 * The config file (SPEC §3): the model and its strict, line-aware loader.
 *
 * <p>Starting points: {@link io.predictor.admin.config.ConfigLoader#load} gives a {@link
 * io.predictor.admin.config.Config} or a {@link io.predictor.admin.config.ConfigException} listing every
 * problem as {@code FILE:LINE: message}; {@link io.predictor.admin.config.ConfigCheck#run} is {@code --check}.
 * {@link io.predictor.admin.config.Durations}, {@link io.predictor.admin.config.Sizes},
 * {@link io.predictor.admin.config.Addresses} and {@link io.predictor.admin.config.Cidr} parse the value
 * syntaxes, for the admin API too.
 */
package io.predictor.admin.config;
