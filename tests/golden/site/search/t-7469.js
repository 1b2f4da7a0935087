CatalogSearch.add("t","ti",{"tianlong":[4.17,"1_"],"ticket":[4.499,"1J2_"],"ticket hypothesis":[2.607,"3_"],"tishby":[4.073,"4_"]});
