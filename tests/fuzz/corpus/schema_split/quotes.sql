SELECT 'a;b', "c""d", `e` /* ; */ -- x
; # y
SELECT spanhouse.t;