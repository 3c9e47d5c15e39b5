'use strict';
// The fast form of a properties object: `JSON.stringify(properties)`, when JSON says exactly
// what the SDK needs, i.e. every value is a string, a finite number, a boolean, null or an
// array of strings, and the object is a plain one (no toJSON, no class). One V8 call then
// replaces a dozen Node-API calls per property (src/json_props.rs). For anything else this
// returns undefined and the native half reads the object itself (Dates, bigints, errors).

const objectProto = Object.prototype;

/**
 * @param {unknown} props
 * @returns {string | undefined}
 */
function encode(props) {
  if (typeof props !== 'object' || props === null) return undefined;
  const proto = Object.getPrototypeOf(props);
  if (proto !== objectProto && proto !== null) return undefined;
  for (const key in props) {
    const v = props[key];
    switch (typeof v) {
      case 'string':
      case 'boolean':
        break;
      case 'number':
        // NaN and ±Infinity are errors the native half reports.
        if (v - v !== 0) return undefined;
        break;
      case 'object':
        if (v === null) break;
        if (!Array.isArray(v)) return undefined;
        for (let i = 0; i < v.length; i++) {
          if (typeof v[i] !== 'string') return undefined;
        }
        break;
      default:
        return undefined;
    }
  }
  return JSON.stringify(props);
}

module.exports = { encode };
