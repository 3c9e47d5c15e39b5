'use strict';
// `SensorsAnalyticsIdentity(key, value)` of ID-Mapping 3.0. Kept as given: the native half
// checks key and value (and that an identity is one of these) in the reference's order.

class SensorsAnalyticsIdentity {
  /**
   * @param {string} key   an identity key, e.g. SensorsAnalyticsIdentity.LOGIN_ID
   * @param {string} value the id
   */
  constructor(key, value) {
    this.key = key;
    this.value = value;
  }
}

SensorsAnalyticsIdentity.LOGIN_ID = '$identity_login_id';
SensorsAnalyticsIdentity.MOBILE = '$identity_mobile';
SensorsAnalyticsIdentity.EMAIL = '$identity_email';

module.exports = { SensorsAnalyticsIdentity };
