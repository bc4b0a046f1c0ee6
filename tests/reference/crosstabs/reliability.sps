* Cronbach alpha of item1-item4 in large.csv; run from this folder: pspp -o reliability.csv -O format=csv reliability.sps.
GET DATA /TYPE=TXT /FILE='large.csv' /ARRANGEMENT=DELIMITED /DELIMITERS=',' /FIRSTCASE=2
 /VARIABLES=row F8.0 col F8.0 a F8.0 b F8.0 w F10.6 y1 F8.0 y2 F8.0 y3 F8.0 item1 F8.0 item2 F8.0 item3 F8.0 item4 F8.0.
SET FORMAT=F20.12.
RELIABILITY /VARIABLES=item1 item2 item3 item4 /MODEL=ALPHA.
