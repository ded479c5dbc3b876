package letter

import (
	"strconv"

	"github.com/custodian-roi/custodian/internal/roi"
)

// spanish is the catalog of the letters in Spanish, written for the
// patient (usted), with the citations as in English. The 42 CFR 2.32
// statement is given first in the regulation's own words and then
// translated, since the regulation prescribes its text.
var spanish = catalog{
	lang:          roi.LanguageSpanish,
	telephone:     "Teléfono ",
	reLabel:       "Ref.: solicitud",
	privacyOffice: "nuestra oficina de privacidad",
	byPhone:       "por teléfono al ",
	byEmail:       "por correo electrónico a ",
	byMail:        "por correo postal a la dirección que figura arriba",
	and:           "y",
	or:            "o",
	quote:         "Por favor, indique el número de solicitud {n}.",
	months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
		"agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	longDate:   func(y int, m string, d int) string { return strconv.Itoa(d) + " de " + m + " de " + strconv.Itoa(y) },
	datedOne:   ", con fecha del {date}",
	datedRange: ", con fechas del {from} al {through}",
	nouns: map[string][2]string{
		"record":       {"registro", "registros"},
		"encounter":    {"visita", "visitas"},
		"document":     {"documento", "documentos"},
		"report":       {"informe", "informes"},
		"result":       {"resultado", "resultados"},
		"imaging":      {"estudio de imagen", "estudios de imagen"},
		"immunization": {"vacuna", "vacunas"},
		"medication":   {"medicamento", "medicamentos"},
		"problem":      {"problema de salud", "problemas de salud"},
		"claim":        {"reclamación de pago", "reclamaciones de pago"},
		"procedure":    {"procedimiento", "procedimientos"},
		"care-plan":    {"plan de cuidados", "planes de cuidados"},
		"allergy":      {"alergia", "alergias"},
		"goal":         {"objetivo de salud", "objetivos de salud"},
	},

	askedAccounting: "de un informe de las divulgaciones",
	asked: map[roi.Basis]string{
		roi.BasisAccess:          "de una copia de registros, en ejercicio del derecho de acceso de la persona",
		roi.BasisDirective:       "de enviar una copia de registros a una persona que el interesado designó por escrito",
		roi.BasisAuthorization:   "de registros, con la autorización por escrito del paciente",
		roi.BasisTreatment:       "de registros para el tratamiento del paciente",
		roi.BasisPayment:         "de registros para fines de pago",
		roi.BasisOperations:      "de registros para las operaciones de atención médica",
		roi.BasisSubpoena:        "de registros, por citación judicial",
		roi.BasisCourtOrder:      "de registros, por orden judicial",
		roi.BasisWarrant:         "de registros, por orden de registro",
		roi.BasisLawEnforcement:  "de registros, para fines de aplicación de la ley",
		roi.BasisPublicHealth:    "de registros, para actividades de salud pública",
		roi.BasisHealthOversight: "de registros, para actividades de supervisión de la salud",
		roi.BasisWorkersComp:     "de registros, para la compensación a los trabajadores",
		roi.BasisCoroner:         "de registros, para las funciones de un juez de instrucción o médico forense",
	},
	askedOther:      "de registros",
	opening:         "su solicitud {asked}",
	openingReceived: "su solicitud {asked}, recibida el {date}",
	withheldNone:    "No entregamos los registros que usted pidió, por los siguientes motivos:",
	withheldSome:    "No entregamos {count} de los que usted pidió, por los siguientes motivos:",

	coverTitle:       "Registros adjuntos",
	coverEnclosed:    "Adjuntamos copias de los registros que se entregan en respuesta a {opening}.",
	coverWhatHeading: "Qué se adjunta",
	coverIndex:       ". Después de esta carta encontrará un índice con cada elemento adjunto.",
	part2Copy:        "una copia del consentimiento del paciente",
	part2Scope:       "una explicación del alcance del consentimiento del paciente",
	part2Heading:     "Registros entregados con el consentimiento del paciente",
	part2Released: "Algunos de los registros adjuntos están protegidos por las normas federales de confidencialidad (42 CFR part 2) y se " +
		"entregan con el consentimiento por escrito del paciente. Como exige 42 CFR 2.32, los acompañan la declaración que sigue y {what}.",
	part2ScopeOf:      "Alcance del consentimiento del paciente: ",
	part2CopyEnclosed: "Se adjunta una copia del consentimiento por escrito del paciente.",
	part2Translation:  "Traducción al español de la declaración anterior (el texto que exige la ley es el anterior, en inglés):",
	part2Statement: "Este registro que se le ha divulgado está protegido por las normas federales de confidencialidad (42 CFR part 2). " +
		"Estas normas le prohíben usar o divulgar este registro, o testimonios que describan la información que contiene, en cualquier " +
		"procedimiento civil, penal, administrativo o legislativo de cualquier autoridad federal, estatal o local contra el paciente, " +
		"salvo que lo autorice el consentimiento del paciente, excepto según lo dispuesto en 42 CFR 2.12(c)(5) o según lo autorice un " +
		"tribunal de acuerdo con 42 CFR 2.64 o 2.65. Además, las normas federales le prohíben hacer cualquier otro uso o divulgación " +
		"de este registro a menos que se cumpla al menos una de las siguientes condiciones: (i) El uso o la divulgación posterior está " +
		"expresamente permitido por el consentimiento por escrito de la persona cuya información se divulga en este registro o de otro " +
		"modo permitido por 42 CFR part 2. (ii) Usted es una entidad cubierta o un socio comercial y recibió el registro para " +
		"tratamiento, pago u operaciones de atención médica, o (iii) Usted recibió el registro de una entidad cubierta o de un socio " +
		"comercial según lo permitido por 45 CFR part 164, subpartes A y E. Una autorización general para la entrega de información " +
		"médica o de otro tipo NO es suficiente para cumplir los requisitos del consentimiento por escrito para un uso posterior o " +
		"una nueva divulgación del registro (véase 42 CFR 2.31).",
	notReleased:    "Qué no se entregó",
	everythingElse: "Adjuntamos todo lo demás que usted pidió y que obra en nuestro poder.",

	denialTitle:       "Aviso de denegación",
	denialAccessTitle: "Aviso de denegación de acceso",
	denialOpening:     "Hemos revisado {opening}. No podemos entregarle los registros que pidió.",
	why:               "Motivos",
	ibHeading:         "El fundamento legal para retener o demorar la información",
	ibIntro: "Las normas federales sobre bloqueo de información (45 CFR part 171) permiten a un proveedor de atención médica " +
		"retener o demorar información médica electrónica solo por ciertos motivos. Esta decisión se basa en lo siguiente:",
	ibGround: map[roi.Exception]string{
		roi.ExceptionNotEHI: "Una parte de lo que pidió no es información médica electrónica que estas normas nos obliguen a compartir.",
		roi.ExceptionPreventingHarm: "Un profesional de la salud con licencia determinó que retener la información reduce un riesgo " +
			"de daño para una persona.",
		roi.ExceptionPrivacyPrecondition: "No se ha cumplido una condición que la ley de privacidad exige antes de entregar la " +
			"información, como una prueba de identidad o de autoridad, o un permiso por escrito que la ley requiere.",
		roi.ExceptionPrivacyDenial:            "La ley permite negar el acceso por este motivo, y este motivo no está sujeto a revisión.",
		roi.ExceptionPrivacyIndividualRequest: "La persona pidió que la información no se comparta, o que su entrega espere.",
		roi.ExceptionSecurity:                 "Retener la información es necesario para mantenerla segura.",
		roi.ExceptionInfeasibility:            "No podemos atender la solicitud tal como se hizo, dadas las circunstancias.",
		roi.ExceptionHealthITPerformance:      "Nuestro sistema de registros no está disponible por un tiempo, por mantenimiento o reparación.",
		roi.ExceptionProtectingCareAccess:     "Retener la información protege el acceso de las personas a atención médica legal.",
		roi.ExceptionManner:                   "No podemos entregar la información en la forma o el medio que pidió, y le ofrecemos otro.",
		roi.ExceptionFees:                     "Se aplica un cargo que la ley permite.",
	},
	partialTitle:         "Aviso de denegación parcial",
	partialAccessTitle:   "Aviso de denegación parcial de acceso",
	partialOpening:       "Hemos revisado {opening}. Le entregamos una parte de los registros que pidió y no podemos entregarle otros.",
	partialReleasing:     "Qué le entregamos",
	partialProvided:      ". Estos registros se entregan con este aviso, junto con un índice de cada elemento.",
	partialAllElse:       "Le hemos entregado todo lo demás que usted pidió y que obra en nuestro poder, salvo solamente los registros que se describen a continuación.",
	partialNotReleasing:  "Qué no le entregamos y por qué",
	heldElsewhereHeading: "Registros que no tenemos",
	heldElsewhere:        "No tenemos algunos de los registros que usted pidió. Puede pedirlos a: ",

	pendingTitle:      "Necesitamos más información para atender su solicitud",
	pendingOpening:    "Hemos revisado {opening}. Antes de poder entregar cualquier registro, necesitamos que usted nos envíe lo siguiente:",
	pendingWhy:        "Por qué lo pedimos",
	pendingSendIt:     "Envíenoslo",
	pendingThrough:    " a través de {url},",
	pendingByMail:     " por correo postal a la dirección que figura arriba, o tráigalo a nuestra oficina.",
	pendingHowHeading: "Cómo enviarlo",
	timeLimit:         "Plazo",
	pendingDue: "La ley nos exige atender su solicitud a más tardar el {due}, y ese plazo sigue corriendo mientras esperamos. " +
		"Si para entonces no hemos recibido lo que se indica arriba, es posible que tengamos que denegar la solicitud; usted puede " +
		"presentar una nueva solicitud en cualquier momento.",
	pendingNoDue: "Su solicitud seguirá abierta, y no se entregará nada, hasta que recibamos lo que se indica arriba.",

	extensionTitle:  "Aviso de prórroga del plazo para atender su solicitud",
	extensionWeHave: "Hemos recibido su solicitud {asked}.",
	extensionOn:     "El {date} recibimos su solicitud {asked}.",
	extensionReceived: " La ley nos exige atenderla dentro de {days} días, a más tardar el {due}, salvo " +
		"que le informemos por escrito, dentro de ese plazo, por qué necesitamos más tiempo y cuándo la atenderemos.",
	extensionNotice: "Necesitamos más tiempo por los siguientes motivos: {reasons} Atenderemos su solicitud a más tardar el {newDue}. ({cite})",
	extensionOnce:   "La ley permite una sola prórroga de no más de 30 días; no volveremos a prorrogar esta fecha.",

	special: reasonWords{
		text: "Algunos registros solo pueden entregarse con un consentimiento, una autorización o una orden judicial específicos " +
			"por escrito que la ley exige para ellos, y no recibimos ninguno que los cubra.",
		cure: "Si el paciente desea que se entreguen estos registros, puede comunicarse con nuestra oficina de privacidad, " +
			"que se indica más abajo, para saber qué permiso por escrito se necesita.",
	},
	reasons: map[roi.Code]reasonWords{
		roi.CodePNAccessExcluded: {text: "Las notas de psicoterapia (notas que un profesional de salud mental guarda aparte del resto del " +
			"expediente médico sobre lo que se dijo en sesiones privadas o de grupo) no forman parte del derecho de acceso. Esto no " +
			"afecta al resto del expediente, incluidos los diagnósticos, los planes de tratamiento, los medicamentos y los resultados " +
			"de pruebas."},
		roi.CodeLitigationCompiled: {text: "Parte de la información se reunió en previsión razonable de una acción o un procedimiento " +
			"civil, penal o administrativo, o para usarla en él, y la ley la excluye del derecho de acceso."},
		roi.CodeReviewableHarm: {text: "Un profesional de la salud con licencia ha determinado, según su criterio profesional, que el " +
			"acceso a algunos registros probablemente pondría en peligro la vida o la seguridad física del paciente o de otra persona, " +
			"o causaría un daño sustancial a una persona mencionada en los registros."},
		roi.CodeRepresentativeEndangers: {text: "Un profesional de la salud con licencia ha determinado, según su criterio profesional, " +
			"que el acceso del solicitante como representante personal del paciente probablemente causaría un daño sustancial al " +
			"paciente o a otra persona."},
		roi.CodeOutsideAuthScope: {text: "Algunos registros quedan fuera de lo que describe la {form}: sus fechas o los tipos de " +
			"registros que nombra.",
			cure: "{a form} que describa estos registros por sus fechas y su tipo."},
		roi.CodeOutsideOrderScope: {text: "Algunos registros no están incluidos expresamente en la orden judicial, la citación judicial " +
			"o la orden de registro.",
			cure: "Una orden judicial, una citación judicial o una orden de registro que describa expresamente estos registros, o una " +
				"autorización firmada por el paciente."},
		roi.CodeDateUncertain: {text: "Algunos registros no tienen fecha, o solo indican un año o un mes, y no pudimos saber si están " +
			"dentro de las fechas que usted pidió.",
			cure: "Díganos si desea estos registros sea cual sea su fecha, o indíquenos fechas que los incluyan."},
		roi.CodeMinimumNecessary: {text: "Algunos registros superan el mínimo necesario para el propósito de la solicitud, y la ley solo " +
			"nos permite entregar el mínimo necesario.",
			cure: "Una autorización firmada por el paciente, o un proceso legal que incluya estos registros."},
		roi.CodeAuthorizationExpired:    {text: "La {form} ha vencido: su fecha de vencimiento ya pasó, o ya ocurrió el hecho que le pone fin."},
		roi.CodeAuthorizationIncomplete: {text: "La {form} no está completa: falta un elemento o una declaración obligatorios."},
		roi.CodeAuthorizationRevoked:    {text: "La {form} fue revocada por escrito."},
		roi.CodeAuthorizationCompound: {text: "La {form} está combinada con otra autorización u otro documento de una manera que la ley " +
			"no permite: algunos tipos de registros deben autorizarse en un formulario aparte que solo los incluya a ellos."},
		roi.CodeAuthorizationConditioned: {text: "Se exigió la {form} como condición para recibir tratamiento, para un pago, para la " +
			"inscripción en un plan de salud o para tener derecho a beneficios, lo que la ley no permite en este caso."},
		roi.CodeAuthorizationFalse: {text: "Se sabe que es falsa información importante contenida en la {form}."},
		roi.CodeRecipientNotAuthorized: {text: "La {form} no nombra a la persona u organización a la que se enviarían los registros.",
			cure: "Una nueva {form} que nombre a la persona u organización que debe recibir los registros."},
		roi.CodeNotPersonalRep: {text: "Los documentos presentados no dan al solicitante autoridad para actuar en nombre del paciente en " +
			"asuntos de atención médica. Por ejemplo, un poder notarial para asuntos financieros no la da, un padre o una madre actúa " +
			"solo por un hijo que todavía es menor de edad, y un albacea o administrador actúa solo por un paciente que ha fallecido.",
			cure: "Documentos que demuestren autoridad para tomar decisiones de atención médica por el paciente, o una autorización " +
				"firmada por el paciente."},
		roi.CodeNoPermission: {text: "No recibimos una autorización firmada por el paciente, y ninguna excepción de la ley permite esta " +
			"entrega sin ella.",
			cure: "Una autorización firmada por el paciente que cumpla los requisitos indicados más abajo."},
		roi.CodeIdentityUnverified: {text: "No hemos podido verificar la identidad de la persona que hace la solicitud.",
			cure: "Prueba de identidad: una copia de una identificación con foto vigente emitida por el gobierno (como una licencia de " +
				"conducir, una tarjeta de identificación estatal o un pasaporte) de la persona que hace la solicitud, o una visita a " +
				"nuestra oficina con ella."},
		roi.CodeAuthorityDocsMissing: {text: "No hemos recibido los documentos que demuestran la autoridad para esta solicitud."},
		roi.CodeAssurancesNeeded: {text: "Una citación judicial o una solicitud de exhibición de pruebas que no viene acompañada de una " +
			"orden judicial necesita garantías satisfactorias por escrito antes de que podamos responder.",
			cure: "Una de las siguientes: (a) una orden judicial; (b) una declaración por escrito, con documentación, de que usted " +
				"intentó de buena fe avisar por escrito al paciente de la solicitud, con información suficiente para que pudiera " +
				"oponerse, y de que el plazo para oponerse ya venció sin oposición o con toda oposición resuelta por el tribunal; o " +
				"(c) una declaración por escrito, con documentación, de que las partes acordaron una orden de protección calificada " +
				"y la presentaron al tribunal, o de que usted pidió una al tribunal."},
	},
	directiveIncomplete: "La instrucción por escrito no está firmada por el paciente, o no nombra claramente a la persona que debe recibir la copia.",
	form:                "autorización",
	directiveForm:       "instrucción por escrito",
	aForm:               "Una autorización",
	aDirectiveForm:      "Una instrucción por escrito",
	newForm:             "Una nueva {form} que cumpla los requisitos indicados más abajo.",
	authorizationElements: []string{
		"una descripción de la información que se va a entregar que la identifique de manera específica y clara;",
		"el nombre de la persona u organización autorizada a entregarla (nosotros);",
		"el nombre de la persona u organización que la recibirá;",
		"el propósito de la entrega (basta con \"a solicitud de la persona\" cuando el paciente es quien la pide);",
		"una fecha de vencimiento, o un hecho que le ponga fin, que todavía no haya pasado;",
		"la firma del paciente y la fecha de la firma y, si alguien firma por el paciente, una descripción de su autoridad;",
		"declaraciones de que el paciente puede revocarla por escrito y cómo hacerlo, de si el tratamiento o el pago pueden " +
			"condicionarse a que la firme, y de que la información entregada puede ser divulgada de nuevo por quien la recibe y " +
			"dejar de estar protegida.",
	},
	authorizationRules: "No debe estar combinada con otro documento de una manera que la ley no permite, no debe ser una condición " +
		"para recibir tratamiento, un pago, la inscripción o el derecho a beneficios, no debe haber sido revocada y no debe contener " +
		"nada que se sepa que es falso. Algunos tipos de registros necesitan una autorización o un consentimiento que los nombre " +
		"específicamente.",
	directiveElements: "La instrucción debe constar por escrito, estar firmada por el paciente y nombrar claramente a la persona que " +
		"debe recibir la copia y adónde enviarla.",
	authorityCure: map[roi.Basis]string{
		roi.BasisDirective: "La instrucción por escrito del paciente, firmada por el paciente, que nombre a la persona que debe " +
			"recibir la copia y adónde enviarla.",
		roi.BasisSubpoena:       "Una copia de la citación judicial, la orden judicial o la orden de registro en que se basa la solicitud.",
		roi.BasisCourtOrder:     "Una copia de la citación judicial, la orden judicial o la orden de registro en que se basa la solicitud.",
		roi.BasisWarrant:        "Una copia de la citación judicial, la orden judicial o la orden de registro en que se basa la solicitud.",
		roi.BasisLawEnforcement: "Una copia de la citación judicial, la orden judicial o la orden de registro en que se basa la solicitud.",
		roi.BasisAuthorization:  "La autorización firmada por el paciente.",
	},
	authorityCureOther: "Documentos que demuestren su autoridad para actuar en nombre del paciente en asuntos de atención médica: " +
		"para el padre o la madre de un menor, un acta de nacimiento o una orden de custodia; para un tutor, la orden de tutela del " +
		"tribunal; para un representante de atención médica, el poder para atención médica; para el albacea o administrador de un " +
		"paciente fallecido, las cartas testamentarias o de administración.",
	whatYouCanDo:       "Qué puede hacer usted",
	mayResend:          "Puede enviar una solicitud nueva o corregida en cualquier momento. Lo que nos permitiría entregar estos registros:",
	validAuthorization: "Una autorización válida debe constar por escrito, en lenguaje sencillo, y contener:",
	reviewHeading:      "Su derecho a una revisión",
	reviewNotice: "Usted puede pedir que esta decisión la revise un profesional de la salud con licencia que nosotros designemos y que " +
		"no haya participado en la decisión original. Para pedirlo, escriba o llame a {contact}.{ref} Enviaremos su solicitud sin " +
		"demora a quien hará la revisión, que decidirá en un plazo razonable. Le comunicaremos por escrito la decisión de la revisión " +
		"y actuaremos de acuerdo con ella. (45 CFR 164.524(a)(4), (d)(4))",
	noReviewOther:   "La ley no prevé la revisión de una decisión por los demás motivos indicados arriba.",
	noReview:        "La ley no prevé la revisión de una decisión por estos motivos.",
	complainHeading: "Cómo presentar una queja",
	complaint: "Si no está de acuerdo con esta decisión o cree que se han violado sus derechos de privacidad, puede presentarnos " +
		"una queja: comuníquese con {contact}.{ref} También puede presentar una queja ante el Secretario del Departamento de Salud y " +
		"Servicios Humanos de los EE. UU., a través de su Oficina de Derechos Civiles: en línea en {url}, por teléfono al {phone} " +
		"(TDD {tdd}), o por correo postal a {mail}. Por lo general, la queja ante la Oficina de Derechos Civiles debe presentarse " +
		"dentro de los 180 días siguientes a la fecha en que usted supo del problema. No tomaremos represalias contra usted por " +
		"presentar una queja. (45 CFR 164.530(d), 160.306, 164.530(g))",
	hhsMail:   HHSComplaintMail,
	questions: "Si tiene preguntas, comuníquese con {contact}.",
	followAt:  " También puede seguir su solicitud en {url}.",

	accountingTitle: "Informe de divulgaciones",
	accountingIntro: "Este es el informe de las divulgaciones de su información médica que usted pidió. Abarca desde el {from}" +
		" hasta el {through}. Puede pedir un período más corto (45 CFR 164.528(a)).",
	accountingNone:       "En este período no hicimos ninguna divulgación que la ley nos obligue a incluir.",
	accountingSome:       "En este período hicimos {count} que la ley nos obliga a incluir:",
	disclosure:           [2]string{"divulgación", "divulgaciones"},
	notKnown:             "se desconoce",
	accountingHeader:     []string{"Fecha", "Destinatario", "Dirección", "Qué se divulgó", "Propósito"},
	accountingNotListed:  "Qué no incluye este informe",
	accountingExemptLead: "La ley no exige que el informe incluya las divulgaciones hechas: ",
	exempt: []string{
		"para tratamiento, pago u operaciones de atención médica;",
		"a usted, o a una persona que usted designó en ejercicio de su derecho de acceso;",
		"como consecuencia de otro uso o divulgación que la ley permite;",
		"con su autorización por escrito;",
		"para el directorio del centro, a personas que participan en su atención, o para fines de notificación;",
		"para fines de seguridad nacional o de inteligencia;",
		"a instituciones correccionales o a funcionarios encargados de hacer cumplir la ley que lo tengan legalmente bajo custodia;",
		"como parte de un conjunto limitado de datos;",
		"antes del 14 de abril de 2003, cuando entraron en vigor estas normas.",
	},
	fees: "Costos",
	feesNotice: "El primer informe que usted pida en cualquier período de 12 meses es gratuito. Por otro dentro de los mismos 12 meses " +
		"podemos cobrar una tarifa razonable basada en el costo; le informaremos la tarifa por adelantado, y usted podrá entonces " +
		"retirar o cambiar su solicitud para evitarla o reducirla. (45 CFR 164.528(c)(2))",

	accountingSummaryHeader: []string{"Número de divulgaciones", "Fecha de la última"},
	accountingSummary: "Cuando hicimos varias divulgaciones al mismo destinatario con el mismo propósito, una sola línea da " +
		"los datos completos de la primera, cuántas fueron y la fecha de la última (45 CFR 164.528(b)(3)).",
}
