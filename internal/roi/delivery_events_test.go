package roi

// The recovery entries' stored shapes, for the body tests.
func init() {
	bodySamples = append(bodySamples,
		bodySample{EventDeliveryRetried, `{"delivery_id":1,"packet":2,"channel":"sftp","failed_attempts":1,"state":"queued","reason":"host key corrected"}`, ptr[DeliveryRetriedBody]()},
		bodySample{EventDeliveryRerouted, `{"from_delivery_id":1,"delivery_id":2,"packet":2,"from_channel":"sftp","channel":"email","target":"a@example.org","state":"queued","reason":"firm asked for e-mail"}`, ptr[DeliveryReroutedBody]()},
	)
}
