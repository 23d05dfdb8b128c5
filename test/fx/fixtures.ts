// The shape of https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml (single quotes,
// tabs, a namespace on the envelope, one dated Cube), abridged to a few currencies.
export const ECB_DAILY = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
		<Cube time='2026-11-27'>
			<Cube currency='USD' rate='1.0832'/>
			<Cube currency='JPY' rate='163.45'/>
			<Cube currency='GBP' rate='0.83515'/>
			<Cube currency='CHF' rate='0.9418'/>
			<Cube currency='HUF' rate='398.73'/>
		</Cube>
	</Cube>
</gesmes:Envelope>`;
