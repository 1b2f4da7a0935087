CatalogSearch.add("t","bi",{"bigger":[4.452,"2_"],"bigger model":[2.607,"2_"]});
