#!/usr/bin/env python3
"""Writes the red-team bundles and expected.json of this directory.

Run from this directory: python3 gen_redteam.py. The UUIDs are derived from
a fixed seed so the files are reproducible; every id is still a random-looking
version 4 UUID.
"""
import base64
import json
import random
import uuid

rng = random.Random(20261207)


def uid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


EXPECTED = {}
OUT_FILES = {}


class Bundle:
    def __init__(self, fname, given, family, birth, gender):
        self.fname = fname
        self.entries = []
        self.pid = uid()
        self.pref = {"reference": "urn:uuid:" + self.pid}
        self.add_raw({"resourceType": "Patient", "id": self.pid,
                      "name": [{"use": "official", "family": family, "given": [given]}],
                      "gender": gender, "birthDate": birth})

    def add_raw(self, res):
        self.entries.append({"fullUrl": "urn:uuid:" + res["id"], "resource": res})
        return res

    def add(self, res, labels, kind, why, rid=None):
        """res: resource without id/subject; labels expected per policy."""
        rid = rid or uid()
        out = {"resourceType": res.pop("resourceType"), "id": rid}
        meta = res.pop("meta", None)
        if meta:
            out["meta"] = meta
        subj = res.pop("_subject", "subject")
        if subj:
            out[subj] = self.pref
        out.update(res)
        self.add_raw(out)
        EXPECTED[out["resourceType"] + "/" + rid] = {"labels": labels, "kind": kind, "why": why}
        return out

    def write(self):
        b = {"resourceType": "Bundle", "type": "collection", "entry": self.entries}
        OUT_FILES[self.fname] = json.dumps(b, indent=1, ensure_ascii=False)


def cc(text=None, system=None, code=None, display=None):
    c = {}
    if system or code or display:
        cd = {}
        if system:
            cd["system"] = system
        if code:
            cd["code"] = code
        if display:
            cd["display"] = display
        c["coding"] = [cd]
    if text:
        c["text"] = text
    return c


def obs(code, date, **kw):
    r = {"resourceType": "Observation", "status": "final", "code": code, "effectiveDateTime": date}
    r.update(kw)
    return r


def cond(code, date, **kw):
    r = {"resourceType": "Condition",
         "clinicalStatus": cc(system="http://terminology.hl7.org/CodeSystem/condition-clinical", code="active"),
         "code": code, "recordedDate": date}
    r.update(kw)
    return r


def proc(code, date, **kw):
    r = {"resourceType": "Procedure", "status": "completed", "code": code, "performedDateTime": date}
    r.update(kw)
    return r


def enc(typ, start, **kw):
    r = {"resourceType": "Encounter", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"},
         "type": [typ], "period": {"start": start, "end": start}}
    r.update(kw)
    return r


def medreq(med, date, **kw):
    r = {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "authoredOn": date}
    if med is not None:
        r["medicationCodeableConcept"] = med
    r.update(kw)
    return r


def docref(typ, date, attachment, **kw):
    r = {"resourceType": "DocumentReference", "status": "current", "type": typ, "date": date,
         "content": [{"attachment": attachment}]}
    r.update(kw)
    return r


def b64(data):
    return base64.b64encode(data).decode()


LOCAL = "http://riverbend-health.example.org/codes"

# ---------------------------------------------------------------- PDFs


def pdf(content, font_extra="", xobject=None):
    """A minimal one-page PDF with Helvetica as /F1; content is the page's
    content stream; xobject, if given, is a Form XObject stream /X1."""
    objs = []
    objs.append("<< /Type /Catalog /Pages 2 0 R >>")
    objs.append("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    xo = " /XObject << /X1 6 0 R >>" if xobject else ""
    objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >>%s >> /Contents 4 0 R >>" % xo)
    objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objs.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica%s >>" % font_extra)
    if xobject:
        objs.append("<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Length %d >>\nstream\n%s\nendstream" % (len(xobject), xobject))
    out = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += ("%d 0 obj\n%s\nendobj\n" % (i + 1, o)).encode("latin-1")
    xref = len(out)
    out += ("xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)).encode()
    for o in offs:
        out += ("%010d 00000 n \n" % o).encode()
    out += ("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)).encode()
    return out


def pdf_line(text):
    return pdf("BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text)


# ================================================================ bundle 1: fields
b = Bundle("rt01-fields.json", "Marisol", "Quintero-Hale", "1986-04-11", "female")
D = "2025-02-1%dT09:30:00-05:00"

b.add(obs(cc("Office visit vital signs"), "2025-02-10T09:00:00-05:00",
          valueQuantity={"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}),
      [], ["look-alike", "control"], "an ordinary pulse; the patient's general record, released")
b.add(obs(cc("Serology panel result"), "2025-02-10T09:05:00-05:00", valueString="Reactive",
          interpretation=[{"text": "Reactive treponemal antibody; consistent with latent syphilis"}]),
      ["sti"], ["interpretation-text"], "a syphilis serology whose only sensitive words are in interpretation.text")
b.add(obs(cc("Screening questionnaire"), "2025-02-10T09:10:00-05:00",
          component=[{"code": cc("Item 9"), "valueString": "Thoughts that you would be better off dead: nearly every day"}]),
      ["behavioral-health"], ["component-valueString"], "PHQ-9 item 9 (suicidal thoughts) only in component.valueString")
b.add(obs(cc("Point of care test"), "2025-02-10T09:15:00-05:00",
          valueString="Urine drug screen positive for fentanyl and cocaine"),
      ["substance-use"], ["valueString"], "a urine drug screen result only in valueString")
b.add(enc(cc("Inpatient stay"), "2025-02-11T08:00:00-05:00",
          location=[{"location": {"display": "Labor and Delivery, 4 North"}}]),
      ["reproductive"], ["location-display"], "a stay on the labor and delivery unit, said only by Encounter.location.display")
b.add(enc(cc("Emergency department visit"), "2025-02-11T13:00:00-05:00",
          hospitalization={"dischargeDisposition": cc("Discharged to inpatient psychiatric facility")}),
      ["behavioral-health"], ["discharge-disposition"], "discharge to a psychiatric facility, only in hospitalization.dischargeDisposition")
b.add(enc(cc("Emergency department visit"), "2025-02-12T02:00:00-05:00",
          participant=[{"individual": {"display": "Dana Whitfield, RN, Sexual Assault Nurse Examiner"}}]),
      ["violence"], ["participant-name"], "the examiner's title names a sexual assault exam")
b.add({"resourceType": "ServiceRequest", "status": "active", "intent": "order", "code": cc("Outpatient referral"),
       "authoredOn": "2025-02-12T10:00:00-05:00",
       "orderDetail": [cc("Buprenorphine induction for opioid use disorder")]},
      ["substance-use"], ["orderDetail"], "MOUD induction only in orderDetail")
b.add({"resourceType": "ServiceRequest", "status": "active", "intent": "order", "code": cc("Return visit"),
       "authoredOn": "2025-02-12T10:05:00-05:00",
       "patientInstruction": "Return in 3 weeks for repeat chlamydia test of cure"},
      ["sti"], ["patientInstruction"], "a chlamydia test of cure only in patientInstruction")
b.add(medreq(cc("Compounded oral tablet"), "2025-02-12",
             dosageInstruction=[{"text": "Take 1 tablet daily for HIV pre-exposure prophylaxis"}]),
      ["hiv"], ["dosageInstruction-text"], "PrEP said only in dosageInstruction.text")
b.add(medreq(cc("Compounded oral capsule"), "2025-02-12",
             note=[{"text": "For alcohol use disorder; counseled on disulfiram-like reaction"}]),
      ["substance-use"], ["note"], "an AUD medication said only in MedicationRequest.note")
b.add({"resourceType": "CarePlan", "status": "active", "intent": "plan", "title": "Outpatient plan",
       "period": {"start": "2025-02-13"},
       "activity": [{"detail": {"status": "scheduled", "description": "Weekly cognitive behavioral therapy for panic disorder"}}]},
      ["behavioral-health"], ["careplan-activity-description"], "psychotherapy only in activity.detail.description")
b.add({"resourceType": "Goal", "lifecycleStatus": "active", "description": {"text": "Remain abstinent from heroin"},
       "startDate": "2025-02-13"},
      ["substance-use"], ["goal-description"], "a heroin abstinence goal")
b.add({"resourceType": "Goal", "lifecycleStatus": "active", "description": {"text": "Improve wellbeing"},
       "startDate": "2025-02-13", "target": [{"detailString": "No self-harm episodes for 90 days"}]},
      ["behavioral-health"], ["goal-target-detailString", "negation-misfire"], "self-harm only in target.detailString; a goal of \"no self-harm\" is about self-harm")
b.add({"resourceType": "QuestionnaireResponse", "status": "completed", "authored": "2025-02-13T11:00:00-05:00",
       "item": [{"linkId": "1", "text": "Relationship", "item": [{"linkId": "1.1", "text": "Safety at home",
                 "answer": [{"valueString": "Partner has hit and choked me; domestic violence ongoing"}]}]}]},
      ["violence"], ["questionnaire-nested-valueString"], "an IPV disclosure in a nested answer valueString")
b.add({"resourceType": "QuestionnaireResponse", "status": "completed", "authored": "2025-02-13T11:05:00-05:00",
       "item": [{"linkId": "1", "text": "Intake", "item": [{"linkId": "1.2", "text": "Current status",
                 "answer": [{"valueCoding": {"system": LOCAL, "code": "st-44", "display": "Pregnant, second trimester"}}]}]}]},
      ["reproductive"], ["questionnaire-nested-valueCoding"], "pregnancy in a nested answer valueCoding.display")
b.add(obs(cc("Social history note"), "2025-02-13T11:10:00-05:00", valueString="Reviewed",
          extension=[{"url": "http://riverbend-health.example.org/fhir/StructureDefinition/sh-detail",
                      "valueString": "Intimate partner violence disclosed"}]),
      ["violence"], ["extension-valueString"], "IPV only in an extension's valueString")
b.add(proc(cc("Outpatient consultation"), "2025-02-14",
           extension=[{"url": "http://riverbend-health.example.org/fhir/StructureDefinition/consult-kind",
                       "valueCodeableConcept": cc("Genetic counseling session")}]),
      ["genetic"], ["extension-valueCodeableConcept"], "genetic counseling only in an extension's valueCodeableConcept")
b.add(medreq(None, "2025-02-14", medicationReference={"reference": "#m1"},
             contained=[{"resourceType": "Medication", "id": "m1", "code": cc("Methadone 10 mg/mL oral concentrate")}]),
      ["substance-use"], ["contained"], "methadone named only in a contained Medication")
b.add({"resourceType": "Claim", "status": "active", "use": "claim", "created": "2025-02-14",
       "type": cc(system="http://terminology.hl7.org/CodeSystem/claim-type", code="professional"),
       "provider": {"display": "Riverbend Health"}, "priority": cc(code="normal"),
       "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Acme Health Plan"}}],
       "item": [{"sequence": 1, "productOrService": cc("HIV-1 RNA quantitative viral load")}]},
      ["hiv"], ["claim-productOrService-text"], "an HIV viral load billed, only in productOrService.text")
b.add(proc(cc("Pelvic examination"), "2025-02-15", outcome=cc("Confirmed complete medical abortion")),
      ["reproductive"], ["procedure-outcome"], "an abortion follow-up said only in outcome")
b.add(proc(cc("Laceration repair, forearm"), "2025-02-15",
           followUp=[cc("Psychiatry evaluation before discharge; wounds self-inflicted")]),
      ["behavioral-health"], ["procedure-followUp"], "self-inflicted wounds and psychiatry only in followUp")
b.add(proc(cc("Laceration repair, forearm"), "2025-02-15", bodySite=[cc("Left forearm, volar")]),
      [], ["look-alike"], "an ordinary laceration repair")
b.add(cond(cc("Chronic viral infection"), "2025-02-15", stage=[{"summary": cc("Stage 3 (AIDS)")}]),
      ["hiv"], ["condition-stage"], "AIDS only in stage.summary")
b.add(cond(cc("Cervicitis"), "2025-02-15", evidence=[{"detail": [{"display": "Positive Chlamydia trachomatis NAAT"}]}]),
      ["sti"], ["condition-evidence-detail"], "chlamydia only in evidence.detail.display")
b.add(cond(cc("Genital ulcer"), "2025-02-15", bodySite=[cc("Vulva - primary syphilis chancre")]),
      ["sti"], ["condition-bodySite"], "syphilis only in bodySite.text")
b.add(docref(cc("Correspondence"), "2025-02-16T10:00:00-05:00",
             {"contentType": "text/plain", "data": b64(b"Letter sent as requested.\n")},
             description="Letter to family court supporting protective order"),
      ["violence"], ["docref-description"], "a protective-order letter said by the description")
b.add(docref(cc("Outside records"), "2025-02-16T10:05:00-05:00",
             {"contentType": "text/plain", "data": b64(b"Records received and scanned.\n")},
             context={"related": [{"display": "SANE exam report 2025-02-12"}]}),
      ["violence"], ["docref-context-related"], "a SANE exam report named in context.related.display")
# leaks: strings the packet prints that the labeler never reads
b.add({"resourceType": "ServiceRequest", "status": "active", "intent": "order",
       "meta": {"tag": [{"system": "http://riverbend-health.example.org/tags", "code": "prog-17",
                         "display": "Ryan White HIV/AIDS Program enrollee"}]},
       "code": cc("Case management referral"), "authoredOn": "2025-02-16T11:00:00-05:00"},
      ["hiv"], ["meta-tag-display", "generic-render"],
      "an HIV program enrolment said by meta.tag display, which the generic rendering prints")
b.add(obs({"coding": [{"system": LOCAL + "/lab", "code": "HIV1-RNA-DETECTED"}]}, "2025-02-16T11:05:00-05:00",
          valueQuantity={"value": 18400, "unit": "copies/mL"}),
      ["hiv"], ["code-as-text", "local-code"],
      "an HIV viral load whose only words are a local code the packet prints as the test name")
b.add(obs(cc("Quantitative PCR"), "2025-02-16T11:10:00-05:00",
          valueQuantity={"value": 52000, "unit": "HIV-1 RNA copies/mL"}),
      ["hiv"], ["quantity-unit"], "an HIV viral load said only by the unit the result table prints")


def deep(n, leaf):
    x = {"url": "http://riverbend-health.example.org/fhir/StructureDefinition/wrap", "valueString": leaf}
    for _ in range(n):
        x = {"url": "http://riverbend-health.example.org/fhir/StructureDefinition/wrap", "extension": [x]}
    return [x]


b.add({"resourceType": "Condition", "extension": deep(260, "import batch 7"),
       "clinicalStatus": cc(system="http://terminology.hl7.org/CodeSystem/condition-clinical", code="active"),
       "code": cc("Opioid use disorder, severe"), "recordedDate": "2025-02-16"},
      ["substance-use"], ["deep-nesting", "adversarial-structure"],
      "OUD; a 520-level extension before the code stops the labeler's scan (jsonscan maxDepth 512), not the packet's decoder")
b.add(obs(cc("Body weight"), "2025-02-16T11:20:00-05:00", valueQuantity={"value": 68, "unit": "kg"},
          meta={"tag": [{"system": "http://riverbend-health.example.org/tags", "code": "q", "display": "Imported from legacy system"}]}),
      [], ["look-alike", "meta-tag-display"], "an ordinary weight with an ordinary meta.tag")
b.add(obs({"coding": [{"system": LOCAL + "/lab", "code": "CBC-AUTO-DIFF"}]}, "2025-02-16T11:25:00-05:00",
          valueString="Within normal limits"),
      [], ["look-alike", "code-as-text"], "an ordinary CBC named only by a local code")
b.add(obs(cc("Serum creatinine"), "2025-02-16T11:30:00-05:00", valueQuantity={"value": 0.8, "unit": "mg/dL"},
          interpretation=[{"text": "Normal"}]),
      [], ["look-alike", "interpretation-text"], "an ordinary creatinine")
b.add({"resourceType": "Goal", "lifecycleStatus": "active", "description": {"text": "Lower blood pressure"},
       "startDate": "2025-02-16", "target": [{"detailString": "Below 130/80 for 90 days"}]},
      [], ["look-alike", "goal-target-detailString"], "an ordinary blood pressure goal")
b.add(enc(cc("Office visit"), "2025-02-17T08:00:00-05:00",
          hospitalization={"dischargeDisposition": cc("Discharged home with self care")}),
      [], ["look-alike", "discharge-disposition"], "an ordinary visit")
b.write()

# ================================================================ bundle 2: abbreviations
b = Bundle("rt02-abbreviations.json", "Tobias", "Ferreira-Lund", "1979-09-23", "male")
b.add(enc(cc("Emergency department visit"), "2025-03-01T22:00:00-05:00", reasonCode=[cc("SI with plan")]),
      ["behavioral-health"], ["abbreviation"], "SI = suicidal ideation, as the reason for an ED visit")
b.add(obs(cc("Mental status exam"), "2025-03-01T22:30:00-05:00", valueString="+SI, -HI, passive death wish, AH/VH denied"),
      ["behavioral-health"], ["abbreviation", "valueString"], "a mental status exam recording SI")
b.add(cond(cc("GAD"), "2025-03-02"), ["behavioral-health"], ["abbreviation"], "GAD = generalized anxiety disorder, a problem-list shorthand")
b.add(cond(cc("MDD, recurrent, moderate"), "2025-03-02"), ["behavioral-health"], ["abbreviation", "control"], "MDD")
b.add(cond(cc("PTSD"), "2025-03-02"), ["behavioral-health"], ["abbreviation", "control"], "PTSD")
b.add(cond(cc("Hx TAB x1, SAB x2"), "2025-03-02"), ["reproductive"], ["abbreviation"],
      "a history of one therapeutic and two spontaneous abortions")
b.add(obs(cc("OB history"), "2025-03-02T10:00:00-05:00", valueString="G4P1031"),
      ["reproductive"], ["abbreviation", "GxPy"], "gravida/para notation: four pregnancies, three losses or terminations")
b.add(obs(cc("Urine CT/NG NAAT"), "2025-03-03T09:00:00-05:00", valueString="Not detected"),
      ["sti"], ["abbreviation", "control"], "CT/NG: a chlamydia/gonorrhea test, negative")
b.add(obs(cc("RPR"), "2025-03-03T09:00:00-05:00", valueString="Nonreactive"),
      ["sti"], ["abbreviation", "control"], "RPR syphilis test")
b.add(obs(cc("HSV-2 IgG"), "2025-03-03T09:00:00-05:00", valueString="Positive"),
      ["sti"], ["abbreviation", "control"], "HSV-2 type-specific serology")
b.add(medreq(cc("FTC/TDF 200/300 mg tab"), "2025-03-03", note=[{"text": "PrEP, 90-day supply; quarterly labs"}]),
      ["hiv"], ["abbreviation"], "emtricitabine/tenofovir as FTC/TDF, for PrEP")
b.add(cond(cc("On ART, VL undetectable"), "2025-03-03"), ["hiv"], ["abbreviation"],
      "antiretroviral therapy with an undetectable viral load: HIV")
b.add(proc(cc("nPEP initiation"), "2025-03-03"), ["hiv"], ["abbreviation"], "non-occupational post-exposure prophylaxis")
b.add(cond(cc("DV victim"), "2025-03-04"), ["violence"], ["abbreviation", "weak"], "domestic violence victim")
b.add(obs(cc("IPV screen"), "2025-03-04T10:00:00-05:00", valueString="Positive"),
      ["violence"], ["abbreviation", "control"], "an IPV screening")
b.add(enc(cc("Urgent care visit"), "2025-03-04T18:00:00-05:00", reasonCode=[cc("IPV")]),
      ["violence"], ["abbreviation"], "IPV alone as the visit reason")
b.add(proc(cc("SANE exam"), "2025-03-04"), ["violence"], ["abbreviation", "control"], "a sexual assault nurse examination")
b.add(cond(cc("ETOH use, daily"), "2025-03-05"), ["substance-use"], ["abbreviation", "weak"], "daily alcohol use")
b.add(cond(cc("IVDU"), "2025-03-05"), ["substance-use"], ["abbreviation", "control"], "IV drug use")
b.add(cond(cc("OUD on MOUD"), "2025-03-05"), ["substance-use"], ["abbreviation", "control"], "opioid use disorder")
b.add(enc(cc("SUD intake"), "2025-03-05T09:00:00-05:00"), ["substance-use"], ["abbreviation", "control"], "a SUD intake visit")
b.add(obs(cc("COWS score"), "2025-03-05T09:30:00-05:00", valueInteger=14),
      ["substance-use"], ["abbreviation", "instrument"], "Clinical Opiate Withdrawal Scale")
b.add(enc(cc("Emergency department visit"), "2025-03-06T01:00:00-05:00",
          hospitalization={"dischargeDisposition": cc("5150 hold, transferred")}),
      ["behavioral-health"], ["abbreviation", "discharge-disposition"], "a California involuntary psychiatric hold")
b.add(cond(cc("Trich"), "2025-03-06"), ["sti"], ["abbreviation"], "trichomoniasis")
b.add(proc(cc("BTL"), "2025-03-06"), ["reproductive"], ["abbreviation"], "bilateral tubal ligation (sterilization)")
b.add(proc(cc("D&C for SAB"), "2025-03-06"), ["reproductive"], ["abbreviation"], "a D&C for a miscarriage")
b.add(cond(cc("Hx of DV, staying at shelter"), "2025-03-06"), ["violence"], ["abbreviation"], "a history of domestic violence")
# look-alikes
b.add(medreq(cc("Lisinopril 10 mg tab"), "2025-03-07", dosageInstruction=[{"text": "1 tab PO daily"}]),
      [], ["look-alike"], "TAB = tablet")
b.add(cond(cc("SI joint dysfunction"), "2025-03-07"), [], ["look-alike"], "SI = sacroiliac")
b.add(obs(cc("GAD-65 antibody"), "2025-03-07T09:00:00-05:00", valueString="Negative"),
      [], ["look-alike"], "GAD = glutamic acid decarboxylase (diabetes autoantibody)")
b.add(proc(cc("CT chest with contrast"), "2025-03-07"), [], ["look-alike"], "CT = computed tomography")
b.add(proc(cc("NG tube placement"), "2025-03-07"), [], ["look-alike"], "NG = nasogastric")
b.add(cond(cc("Staph aureus bacteremia (SAB)"), "2025-03-07"), [], ["look-alike"], "SAB = S. aureus bacteremia")
b.add(proc(cc("Skin prep with chlorhexidine"), "2025-03-07"), [], ["look-alike"], "prep = skin preparation")
b.add(obs(cc("Arterial blood gas, art line"), "2025-03-07T10:00:00-05:00", valueString="pH 7.41"),
      [], ["look-alike"], "art line = arterial line")
b.add(cond(cc("Herpes zoster, left T6 dermatome"), "2025-03-07"), [], ["look-alike"], "shingles, not genital herpes")
b.add(obs(cc("DVT risk assessment"), "2025-03-07T11:00:00-05:00", valueString="Low"), [], ["look-alike"], "DVT, not DV")
b.write()

# ================================================================ bundle 3: spelling and language
b = Bundle("rt03-spelling-language.json", "Rosa Elena", "Barragán-Whitby", "1991-12-02", "female")
b.add(cond(cc("Gonnorhea, urethral"), "2025-04-01"), ["sti"], ["misspelling"], "gonorrhea misspelt")
b.add(medreq(cc("Suboxen 8-2 mg SL film"), "2025-04-01"), ["substance-use"], ["misspelling"], "Suboxone misspelt")
b.add(cond(cc("Depresion, moderate"), "2025-04-01"), ["behavioral-health"], ["misspelling"], "depression misspelt")
b.add(cond(cc("Syphillis, latent"), "2025-04-01"), ["sti"], ["misspelling"], "syphilis misspelt")
b.add(obs(cc("Clamydia NAAT"), "2025-04-01T09:00:00-05:00", valueString="Detected"), ["sti"], ["misspelling"], "chlamydia misspelt")
b.add(cond(cc("Opiod dependence"), "2025-04-01"), ["substance-use"], ["misspelling"], "opioid misspelt")
b.add(obs(cc("Social history"), "2025-04-01T09:10:00-05:00", valueString="Herion use, snorts daily"),
      ["substance-use"], ["misspelling"], "heroin misspelt")
b.add(cond(cc("VIH positivo"), "2025-04-02"), ["hiv"], ["spanish"], "HIV in Spanish")
b.add(obs(cc("Prueba de embarazo"), "2025-04-02T09:00:00-05:00", valueString="Positiva"),
      ["reproductive"], ["spanish"], "a pregnancy test in Spanish")
b.add(cond(cc("Antecedentes ginecológicos"), "2025-04-02", note=[{"text": "Antecedente de aborto inducido en 2022."}]),
      ["reproductive"], ["spanish", "note"], "an induced abortion in a Spanish note")
b.add(cond(cc("Depresión mayor"), "2025-04-02"), ["behavioral-health"], ["spanish"], "major depression in Spanish")
b.add(enc(cc("Consulta de urgencias"), "2025-04-02T20:00:00-05:00", reasonCode=[cc("Violencia doméstica")]),
      ["violence"], ["spanish"], "domestic violence in Spanish")
b.add(cond(cc("Trastorno por consumo de alcohol"), "2025-04-02"), ["substance-use"], ["spanish"], "alcohol use disorder in Spanish")
b.add(cond(cc("Abuso sexual en la infancia"), "2025-04-02"), ["violence"], ["spanish"], "childhood sexual abuse in Spanish")
b.add(obs(cc("Lab collected"), "2025-04-03T09:00:00-05:00", valueString="Sent",
          note=[{"text": "H I V 4th gen screen sent with routine labs"}]),
      ["hiv"], ["spacing"], "an HIV screen with the letters spaced")
b.add(cond(cc("Past medical history"), "2025-04-03", note=[{"text": "Hx of chla-\nmydia 2023, treated"}]),
      ["sti"], ["hyphenation"], "chlamydia broken across a line by a hyphen")
b.add(cond(cc("H.I.V. infection"), "2025-04-03"), ["hiv"], ["punctuation"], "HIV written with periods")
b.add(cond(cc("HI\u200bV disease"), "2025-04-03"), ["hiv"], ["zero-width-space"], "a zero-width space inside HIV")
b.add(cond(cc("\uff28\uff29\uff36-1 infection"), "2025-04-03"), ["hiv"], ["fullwidth-unicode"], "HIV in fullwidth letters")
b.add(cond(cc("Gonor\u00adrhea, pharyngeal"), "2025-04-03"), ["sti"], ["soft-hyphen"], "a soft hyphen inside gonorrhea")
b.add(cond(cc("Psychotic disorder"), "2025-04-03", note=[{"text": "Long hx of schizo-affective d/o, on injectable"}]),
      ["behavioral-health"], ["hyphenation", "control"], "schizoaffective disorder hyphenated (the display still says psychotic)")
b.add(cond(cc("Past medical history"), "2025-04-03", note=[{"text": "Long hx of schizo-affective d/o, on LAI"}]),
      ["behavioral-health"], ["hyphenation"], "schizoaffective disorder hyphenated, nothing else")
b.add(cond(cc("Post-traumatic stress disorder"), "2025-04-03"), ["behavioral-health"], ["hyphenation", "control"], "PTSD spelled out with a hyphen")
# look-alikes
b.add(cond(cc("Dolor de cabeza (cefalea tensional)"), "2025-04-04"), [], ["look-alike", "spanish"], "tension headache in Spanish")
b.add(obs(cc("Prueba de glucosa"), "2025-04-04T09:00:00-05:00", valueString="Normal"), [], ["look-alike", "spanish"], "a glucose test in Spanish")
b.add(cond(cc("Presión arterial alta"), "2025-04-04"), [], ["look-alike", "spanish"], "high blood pressure in Spanish")
b.add(cond(cc("Essential hypertension"), "2025-04-04", note=[{"text": "hyper-\ntension well controlled"}]),
      [], ["look-alike", "hyphenation"], "hypertension hyphenated")
b.add(cond(cc("H. pylori infection"), "2025-04-04"), [], ["look-alike", "punctuation"], "H. pylori")
b.add(cond(cc("Hypertenshun"), "2025-04-04"), [], ["look-alike", "misspelling"], "hypertension misspelt")
b.add(obs(cc("Vitamin D level"), "2025-04-04T09:30:00-05:00", valueString="Low", note=[{"text": "V i t D low, start D3"}]),
      [], ["look-alike", "spacing"], "vitamin D with spaced letters")
b.add(cond(cc("Depressed fracture of left tibial plateau"), "2025-04-04"), [], ["look-alike"],
      "a depressed fracture, not a depressed mood (LABELING.md: depression of the skull)")
b.write()

# ================================================================ bundle 4: attachments
b = Bundle("rt04-attachments.json", "Harlan", "Okonkwo-Breit", "1975-06-30", "male")
NOTE = cc("Progress note", system="http://loinc.org", code="11506-3", display="Progress note")
b.add(docref(NOTE, "2025-05-01T10:00:00-05:00",
             {"contentType": "text/plain", "title": "Clinic note",
              "data": b64(b"Assessment: new HIV diagnosis. Plan: start antiretroviral therapy.\n")}),
      ["hiv"], ["text-attachment", "control"], "a plain UTF-8 note")
b.add(docref(NOTE, "2025-05-01T10:10:00-05:00",
             {"contentType": "text/plain; charset=ISO-8859-1", "title": "Clinic note",
              "data": b64("Pt seen in the café area of the ED.\nAssessment: chlamydia cervicitis; doxycycline; partner notified.\n".encode("latin-1"))}),
      ["sti"], ["text-attachment", "latin-1"], "a Latin-1 note: one byte that is not UTF-8 hides the whole note from the labeler")
b.add(docref(NOTE, "2025-05-01T10:20:00-05:00",
             {"contentType": "text/plain; charset=windows-1252", "title": "Clinic note",
              "data": b64(b"Patient\x92s urine drug screen positive for fentanyl; counseled on opioid use disorder treatment.\n")}),
      ["substance-use"], ["text-attachment", "windows-1252"], "a smart apostrophe (0x92) from a Windows interface")
b.add(docref(NOTE, "2025-05-01T10:30:00-05:00",
             {"contentType": "text/plain", "title": "Transcribed consult",
              "data": b64(b"Page 1 of 2\nHistory reviewed.\n\x0cPage 2 of 2\nImpression: bipolar I disorder, current episode manic.\n")}),
      ["behavioral-health"], ["text-attachment", "form-feed"], "a transcription with a form feed between pages")
b.add(docref(NOTE, "2025-05-01T10:40:00-05:00",
             {"contentType": "text/plain; charset=utf-16", "title": "Clinic note",
              "data": b64("Positive pregnancy test; patient requests abortion referral.\n".encode("utf-16"))}),
      ["reproductive"], ["text-attachment", "utf-16"], "a UTF-16 note (with BOM)")
spaced = b64(b"ED note: sexual assault reported; SANE exam completed; police notified.\n")
spaced = " ".join(spaced[i:i + 16] for i in range(0, len(spaced), 16))
b.add(docref(NOTE, "2025-05-01T10:50:00-05:00",
             {"contentType": "text/plain", "title": "ED note", "data": spaced}),
      ["violence"], ["text-attachment", "base64-whitespace"], "base64 with spaces (FHIR base64Binary allows whitespace)")
b.add(docref(NOTE, "2025-05-01T11:00:00-05:00",
             {"contentType": "text/html", "title": "Visit summary",
              "data": b64(b"<html><body><p>Dx: <span class=\"sp\">Chla</span>mydia trachomatis urethritis</p></body></html>")}),
      ["sti"], ["html-attachment", "markup-split"], "HTML markup inside the word: the packet strips tags, the labeler reads the raw HTML")
b.add(docref(NOTE, "2025-05-01T11:10:00-05:00",
             {"contentType": "text/html", "title": "Visit summary",
              "data": b64(b"<html><body><p>Counseled on <b>genetic testing</b> for BRCA1.</p></body></html>")}),
      ["genetic"], ["html-attachment", "control"], "HTML with whole words")
b.add({"resourceType": "DiagnosticReport", "status": "final", "code": cc("Outside lab report"),
       "effectiveDateTime": "2025-05-02T09:00:00-05:00",
       "presentedForm": [{"contentType": "application/pdf", "title": "Outside lab",
                          "data": b64(pdf_line("Final result: HIV-1/2 antigen/antibody REACTIVE"))}]},
      ["hiv"], ["pdf", "control"], "a PDF with one plain Helvetica line")
frag = "BT /F1 12 Tf 72 720 Td (Impression: Chla) Tj 90.02 0 Td (mydia cervicitis) Tj ET"
b.add(docref(cc("Outside records"), "2025-05-02T09:10:00-05:00",
             {"contentType": "application/pdf", "title": "Outside clinic note", "data": b64(pdf(frag))}),
      ["sti"], ["pdf", "split-text-operators"], "a word drawn by two Tj operators: PDFText writes a line break between them")
b.add(docref(cc("Outside records"), "2025-05-02T09:20:00-05:00",
             {"contentType": "application/pdf", "title": "Outside clinic note",
              "data": b64(pdf("q /X1 Do Q", xobject="BT /F1 12 Tf 72 720 Td (Diagnosis: opioid use disorder, on methadone) Tj ET"))}),
      ["substance-use"], ["pdf", "form-xobject"], "the text drawn inside a Form XObject")
diff = " /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /S /c /h /i /z /o /p /r /e /n /a] >>"
b.add(docref(cc("Outside records"), "2025-05-02T09:30:00-05:00",
             {"contentType": "application/pdf", "title": "Outside clinic note",
              "data": b64(pdf("BT /F1 12 Tf 72 720 Td (\\001\\002\\003\\004\\005\\006\\007\\003\\010\\011\\012\\004\\013) Tj ET", font_extra=diff))}),
      ["behavioral-health"], ["pdf", "font-encoding-differences"], "\"Schizophrenia\" in bytes remapped by a font /Differences array")
b.add(docref(cc("Outside records"), "2025-05-02T09:40:00-05:00",
             {"contentType": "application/pdf", "title": "Outside clinic note",
              "data": "\r\n" + b64(pdf_line("Domestic violence; safety plan reviewed with advocate"))}),
      ["violence"], ["pdf", "base64-leading-newline"], "base64 that starts with a line break: not \"JVBERi\"")
b.add({"resourceType": "Communication", "status": "completed", "sent": "2025-05-03T09:00:00-05:00",
       "payload": [{"contentAttachment": {"contentType": "text/plain",
                                          "data": b64(b"Your syphilis test was positive. Please call to schedule treatment.\n")}}]},
      ["sti"], ["attachment-other-member"], "a text attachment under payload.contentAttachment (not printed; not read)")
b.add({"resourceType": "Communication", "status": "completed", "sent": "2025-05-03T09:05:00-05:00",
       "payload": [{"contentString": "Your HIV viral load is undetectable."}]},
      ["hiv"], ["contentString", "control"], "a message in payload.contentString")
b.add({"resourceType": "Media", "status": "completed", "createdDateTime": "2025-05-03T09:10:00-05:00",
       "content": {"contentType": "text/plain", "data": b64(b"Obstetric ultrasound: single live intrauterine pregnancy, 12 weeks.\n")}},
      ["reproductive"], ["media-attachment", "control"], "a Media item's text content")
b.add({"resourceType": "QuestionnaireResponse", "status": "completed", "authored": "2025-05-03T09:15:00-05:00",
       "item": [{"linkId": "5", "text": "Anything else?", "answer": [{"valueAttachment": {"contentType": "text/plain",
                 "data": b64(b"I was raped last year and never told anyone.\n")}}]}]},
      ["violence"], ["valueAttachment", "control"], "a text answer attached")
b.add(cond(cc("Problem list entry"), "2025-05-03",
           text={"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Generalized anxiety disorder</p></div>"}),
      ["behavioral-health"], ["narrative", "control"], "a narrative (not printed, read)")
# look-alikes
b.add(docref(NOTE, "2025-05-04T10:00:00-05:00",
             {"contentType": "text/plain; charset=ISO-8859-1", "title": "Clinic note",
              "data": b64("Café au lait spots noted on trunk; dermatology follow-up.\n".encode("latin-1"))}),
      [], ["look-alike", "latin-1"], "an ordinary Latin-1 note")
b.add(docref(NOTE, "2025-05-04T10:10:00-05:00",
             {"contentType": "text/plain", "title": "Transcribed consult",
              "data": b64(b"Page 1 of 2\nKnee pain.\n\x0cPage 2 of 2\nImpression: osteoarthritis of the right knee.\n")}),
      [], ["look-alike", "form-feed"], "an ordinary transcription with a form feed")
b.add(docref(NOTE, "2025-05-04T10:20:00-05:00",
             {"contentType": "text/plain; charset=utf-16", "title": "Clinic note",
              "data": b64("Influenza vaccine given, left deltoid.\n".encode("utf-16"))}),
      [], ["look-alike", "utf-16"], "an ordinary UTF-16 note")
b.add(docref(NOTE, "2025-05-04T10:30:00-05:00",
             {"contentType": "text/html", "title": "Visit summary",
              "data": b64(b"<html><body><p>Dx: <span class=\"sp\">Hyper</span>tension, stable</p></body></html>")}),
      [], ["look-alike", "markup-split"], "an ordinary HTML summary")
b.add(docref(cc("Outside records"), "2025-05-04T10:40:00-05:00",
             {"contentType": "application/pdf", "title": "Outside imaging",
              "data": b64(pdf("BT /F1 12 Tf 72 720 Td (Chest X-ray: no acute) Tj 150 0 Td (cardiopulmonary process) Tj ET"))}),
      [], ["look-alike", "pdf"], "an ordinary PDF report")
b.add({"resourceType": "DiagnosticReport", "status": "final", "code": cc("Complete blood count"),
       "effectiveDateTime": "2025-05-04T11:00:00-05:00", "conclusion": "Within normal limits"},
      [], ["look-alike"], "an ordinary CBC")
b.write()

# ================================================================ bundle 5: negation and codes
b = Bundle("rt05-negation-codes.json", "Desmond", "Ashcroft-Mbeki", "1983-01-17", "male")
ICDOID = "urn:oid:2.16.840.1.113883.6.90"
b.add(obs(cc("Review of systems"), "2025-06-01T09:00:00-05:00", valueString="See note",
          note=[{"text": "Denies HI, endorses suicidal ideation with a plan to overdose."}]),
      ["behavioral-health"], ["negation-misfire"], "\"denies\" negates the next clause's positive finding")
b.add(obs(cc("Social history"), "2025-06-01T09:05:00-05:00",
          valueString="No longer denies heroin use; injects daily."),
      ["substance-use"], ["negation-misfire"], "\"no longer denies\" is an admission")
b.add(cond(cc("History of trauma"), "2025-06-01", note=[{"text": "Never reported the rape to police."}]),
      ["violence"], ["negation-misfire"], "\"never reported the rape\": the rape happened")
b.add(cond(cc("Gynecologic history"), "2025-06-01", note=[{"text": "Did not tell husband about the abortion."}]),
      ["reproductive"], ["negation-misfire"], "\"did not tell ... about the abortion\"")
b.add(proc(cc("Medication counseling"), "2025-06-01", note=[{"text": "Pt without insurance obtained mifepristone abroad."}]),
      ["reproductive"], ["negation-misfire"], "\"without insurance\" negates mifepristone")
b.add(cond(cc("Safety concern"), "2025-06-01", note=[{"text": "Not safe at home, partner strangled her last night."}]),
      ["violence"], ["negation-misfire"], "\"not safe ... strangled\"")
b.add(obs(cc("Substance history"), "2025-06-01T09:10:00-05:00", valueString="Denies alcohol; uses cocaine daily."),
      ["substance-use"], ["negation", "control"], "the semicolon ends the negation")
b.add(obs(cc("Review of systems"), "2025-06-01T09:15:00-05:00", valueString="See note",
          note=[{"text": "No SI. Depression worsening, started sertraline."}]),
      ["behavioral-health"], ["negation", "control"], "a sentence break")
b.add(obs(cc("Screening result"), "2025-06-01T09:20:00-05:00", valueString="Negative for HIV"),
      ["hiv"], ["negation", "control"], "a negative HIV test is an HIV test")
b.add(cond({"coding": [{"system": ICDOID, "code": "F20.9"}]}, "2025-06-02"),
      ["behavioral-health"], ["wrong-system", "code-as-text"], "ICD-10-CM schizophrenia under the ICD-10-CM OID, no display")
b.add(cond({"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "B20"}]}, "2025-06-02"),
      ["hiv"], ["wrong-system", "code-as-text"], "HIV disease under the WHO ICD-10 system, no display")
b.add(cond({"coding": [{"system": "http://snomed.info/sct", "code": "O03.9"}]}, "2025-06-02"),
      ["reproductive"], ["wrong-system", "code-as-text"], "an ICD-10-CM spontaneous abortion code filed under SNOMED, no display")
b.add(obs({"coding": [{"system": "http://loinc.org", "code": "42931-6"}]}, "2025-06-02T09:00:00-05:00", valueString="Detected"),
      ["sti"], ["code-only", "control"], "a chlamydia LOINC code, no display")
b.add(obs(cc("Urine NAAT"), "2025-06-02T09:05:00-05:00",
          valueCodeableConcept={"coding": [{"system": LOCAL + "/results", "code": "CT-DETECTED"}]}),
      ["sti"], ["code-as-text", "local-code"], "a chlamydia result only in a local value code the packet prints")
b.add(medreq({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm/", "code": "351266"}]}, "2025-06-02"),
      ["substance-use"], ["wrong-system", "code-as-text"], "buprenorphine/naloxone RxNorm code under the RxNorm URI with a trailing slash")
b.add(obs({"coding": [{"system": "urn:oid:2.16.840.1.113883.6.1", "code": "25836-8"}]}, "2025-06-02T09:10:00-05:00",
          valueQuantity={"value": 40, "unit": "copies/mL"}),
      ["hiv"], ["wrong-system", "code-as-text"], "HIV viral load LOINC under the LOINC OID")
b.add(cond({"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "f41.1"}]}, "2025-06-02"),
      ["behavioral-health"], ["code-only", "control"], "a lower-case ICD-10-CM code")
b.add(enc(cc("Office visit"), "2025-06-03T09:00:00-05:00", serviceProvider={"display": "Riverbend Methadone Clinic"}),
      ["substance-use"], ["source-name", "control"], "a visit at a methadone clinic, said by its provider's name")
# look-alikes
b.add(cond({"coding": [{"system": ICDOID, "code": "I10"}]}, "2025-06-04"), [], ["look-alike", "wrong-system"], "hypertension")
b.add(obs(cc("Social history"), "2025-06-04T09:00:00-05:00", valueString="Denies alcohol, tobacco or illicit drug use."),
      [], ["look-alike", "negation"], "a negative social history (LABELING.md look-alike)")
b.add(cond(cc("Past medical history"), "2025-06-04", note=[{"text": "No history of depression or anxiety."}]),
      [], ["look-alike", "negation"], "a negated history")
b.add(obs({"coding": [{"system": LOCAL + "/lab", "code": "LIPID-PANEL"}]}, "2025-06-04T09:10:00-05:00", valueString="Normal"),
      [], ["look-alike", "code-as-text"], "an ordinary lipid panel under a local code")
b.add(obs(cc("Urine culture"), "2025-06-04T09:15:00-05:00",
          valueCodeableConcept={"coding": [{"system": LOCAL + "/results", "code": "NO-GROWTH"}]}),
      [], ["look-alike", "code-as-text"], "an ordinary urine culture")
b.add(medreq({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm/", "code": "314076"}]}, "2025-06-04"),
      [], ["look-alike", "wrong-system"], "lisinopril 10 mg under the slashed RxNorm URI")
b.add(enc(cc("Office visit"), "2025-06-04T10:00:00-05:00", serviceProvider={"display": "Riverbend Family Medicine"}),
      [], ["look-alike", "source-name"], "an ordinary visit")
b.write()

for name, text in OUT_FILES.items():
    with open(name, "w", encoding="utf-8") as f:
        f.write(text + "\n")
with open("expected.json", "w", encoding="utf-8") as f:
    json.dump({"version": "2026.12", "resources": dict(sorted(EXPECTED.items()))}, f, indent=1, ensure_ascii=False)
    f.write("\n")
n = len(EXPECTED)
s = sum(1 for v in EXPECTED.values() if v["labels"])
print(f"{n} clinical resources, {s} sensitive, {n - s} ordinary")
