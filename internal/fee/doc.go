// Package fee quotes the fee for a copy of records, and shows its work: a
// Quote is a list of lines, each with the amount, what it is for and the
// citation that allows it, plus a total.
//
// The rules it follows, in short (docs/FEES.md has the long form):
//
//   - An individual's own access (45 CFR 164.524(c)(4)) costs at most a
//     reasonable cost-based fee made of copying labor, supplies, postage and
//     an agreed summary; never search, retrieval, verification, system or
//     handling fees. Electronic self-service access is free (45 CFR 171.302).
//     A lower state figure lowers the fee; a higher one never raises it.
//   - A directive to send the copy to a third party is charged by the state
//     schedule, not the patient rate (Ciox Health v. Azar, D.D.C. 2020).
//   - Authorizations and legal process are charged by the state schedule;
//     disclosures for treatment, payment, operations, public health and the
//     like are quoted at $0.
//   - The first accounting of disclosures in 12 months is free
//     (164.528(c)(2)); a later one needs advance notice of the fee.
//
// State fee schedules are data: JSON files embedded from schedules/, or an
// administrator's file read by LoadSchedule.
//
// The package is pure. It performs no I/O beyond reading its embedded files,
// never reads the clock (dates in the data are labels, not inputs to any
// computation) and holds no PHI: a fee request carries only counts and
// choices.
package fee
