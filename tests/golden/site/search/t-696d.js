CatalogSearch.add("t","im",{"img":[1.186,"1_"],"img src":[1.54,"1_"],"improve":[1.035,"0_"],"improve chance":[1.54,"0_"]});
