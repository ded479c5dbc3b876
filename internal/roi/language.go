package roi

// Language is the language a request's letters and the requester portal
// are written in, as a BCP 47 primary tag. A request has one, chosen at
// intake or in the portal; the empty Language reads as English.
type Language string

// The languages the desk writes.
const (
	LanguageEnglish Language = "en"
	LanguageSpanish Language = "es"
)

// Languages lists every language the desk writes, English first.
var Languages = []Language{LanguageEnglish, LanguageSpanish}

// ParseLanguage returns the Language named by s ("" is English) and
// whether it is one the desk writes.
func ParseLanguage(s string) (Language, bool) {
	switch Language(s) {
	case "", LanguageEnglish:
		return LanguageEnglish, true
	case LanguageSpanish:
		return LanguageSpanish, true
	}
	return "", false
}

// OrEnglish returns l, or English when l is empty.
func (l Language) OrEnglish() Language {
	if l == "" {
		return LanguageEnglish
	}
	return l
}
