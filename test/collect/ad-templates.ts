/**
 * Landing URLs as the big ad platforms' tracking templates expand them (CONTRACT.md v1.1: identifiers
 * are not personal data). Each platform's ids are plain digits, 9 to 19 of them.
 */
export const AD_TEMPLATES: [platform: string, url: string, utm: Record<string, string>][] = [
  [
    "Google Ads ValueTrack {campaignid} {adgroupid} {creative} {keyword}",
    "https://shop.example/p?utm_source=google&utm_medium=cpc&utm_campaign=20512345678&utm_content=153456789012&utm_term=running%20shoes&utm_id=20512345678&gad_source=1&gad_campaignid=20512345678&gclid=Cj0KCQiA",
    { utm_campaign: "20512345678", utm_content: "153456789012", utm_id: "20512345678", gad_source: "1", gad_campaignid: "20512345678" },
  ],
  [
    "Google Ads {creative} as content, {targetid} as term",
    "https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=9876543210&utm_content=678901234567&utm_term=kwd-312345678901&gbraid=0AAAAA",
    { utm_campaign: "9876543210", utm_content: "678901234567", utm_term: "kwd-312345678901" },
  ],
  [
    "Microsoft Ads {CampaignId} {AdGroupId} {AdId} {OrderItemId}",
    "https://shop.example/?utm_source=bing&utm_medium=cpc&utm_campaign=412345678&utm_content=1234567890123&utm_term=82463891234567&adid=82345678901234&msclkid=5f3e",
    { utm_campaign: "412345678", utm_content: "1234567890123", utm_term: "82463891234567", adid: "82345678901234" },
  ],
  [
    "Meta {{campaign.id}} {{adset.id}} {{ad.id}}",
    "https://shop.example/?utm_source=facebook&utm_medium=paid_social&utm_campaign=120208765432100123&utm_content=120208765432100456&utm_term=1202087654321&fbclid=IwAR",
    { utm_campaign: "120208765432100123", utm_content: "120208765432100456", utm_term: "1202087654321" },
  ],
  [
    "LinkedIn {{CAMPAIGN_ID}} and TikTok __CID__",
    "https://shop.example/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=312345678&utm_content=7123456789012345678&li_fat_id=abc",
    { utm_campaign: "312345678", utm_content: "7123456789012345678" },
  ],
  [
    "Pinterest {campaignid} {adgroupid}",
    "https://shop.example/?utm_source=pinterest&utm_medium=paid&utm_campaign=626741234567&utm_content=2680071234567",
    { utm_campaign: "626741234567", utm_content: "2680071234567" },
  ],
];
