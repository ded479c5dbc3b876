package letter

import "github.com/custodian-roi/custodian/internal/doc"

// The statements of 42 CFR 2.32(a) as amended in 2024 (89 FR 12472). Each
// disclosure made with the patient's written consent must be accompanied by
// one of them; Part2Statement is Statement 1, Part2ShortStatement Statement
// 2. Do not use the superseded 2018/2020 wording ("prohibits unauthorized
// disclosure"). The text is that of REGULATIONS.md §9.4; its tail is from a
// verbatim secondary copy, to be checked against the eCFR before the first
// production release (docs/LETTERS.md).
const (
	Part2Statement = "This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). " +
		"These rules prohibit you from using or disclosing this record, or testimony that describes the information contained in this " +
		"record, in any civil, criminal, administrative, or legislative proceedings by any Federal, State, or local authority, against " +
		"the patient, unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by a " +
		"court in accordance with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or " +
		"disclosure of this record unless at least one of the following applies: (i) Further use or disclosure is expressly permitted " +
		"by the written consent of the individual whose information is being disclosed in this record or as otherwise permitted by 42 " +
		"CFR part 2. (ii) You are a covered entity or business associate and have received the record for treatment, payment, or " +
		"health care operations, or (iii) You have received the record from a covered entity or business associate as permitted by 45 " +
		"CFR part 164, subparts A and E. A general authorization for the release of medical or other information is NOT sufficient to " +
		"meet the required elements of written consent to further use or redisclose the record (see 42 CFR 2.31)."

	Part2ShortStatement = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
)

// Part2Blocks returns what must accompany a disclosure of Part 2 records
// made with the patient's written consent: the 2.32(a) statement
// (Statement 1) and, per 2.32(b), the explanation of the consent's scope,
// or, when scope is empty, the note that a copy of the consent is enclosed.
// The cover letter carries them; the packet may also print them on their
// own page and stamp Part2ShortStatement on each page of Part 2 records.
// SECURITY: only for a release whose decision carries the Part 2 notice.
func Part2Blocks(scope string) []doc.Block { return part2Blocks(&english, scope) }

// part2Blocks is Part2Blocks in the catalog's language. The statement is
// always given in the words of 2.32(a); a letter in another language
// follows it with a translation.
func part2Blocks(c *catalog, scope string) []doc.Block {
	out := []doc.Block{{Kind: doc.Notice, Text: Part2Statement}}
	if c.part2Translation != "" {
		out = append(out, doc.P(c.part2Translation), doc.Block{Kind: doc.Notice, Text: c.part2Statement})
	}
	if scope != "" {
		out = append(out, doc.P(c.part2ScopeOf+scope))
	} else {
		out = append(out, doc.P(c.part2CopyEnclosed))
	}
	return out
}
